import { Alert, Button, Card, Form, Input, Typography } from "antd";
import { useState } from "react";
import { api } from "../api/client";
import type { Lang } from "../workspace";

export function SignIn({
  lang,
  setLang,
  onSignedIn,
}: {
  lang: Lang;
  setLang: (l: Lang) => void;
  onSignedIn: () => void;
}) {
  const t = (zh: string, en: string) => (lang === "zh" ? zh : en);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (v: { name: string; password: string }) => {
    setBusy(true);
    setError(null);
    const r = await api.POST("/session", { body: { name: v.name, password: v.password } });
    setBusy(false);
    if (r.response.ok) onSignedIn();
    else if (r.response.status === 429)
      setError(t("失败次数过多，请稍后再试。", "Too many failed sign-ins: try later."));
    else setError(t("用户名或密码不正确。", "The name or the password is wrong."));
  };
  return (
    <>
      <main className="plk-center plk-signin">
        <Card style={{ width: 380 }}>
          <Typography.Title level={1} style={{ fontSize: 22 }}>
            {t("准东园中园分成台账", "Zhundong park ledger")}
          </Typography.Title>
          <Typography.Paragraph>{t("请登录", "Sign in")}</Typography.Paragraph>
          <Form name="signin" layout="vertical" onFinish={(v: { name: string; password: string }) => void submit(v)}>
            <Form.Item label={t("用户名", "Name")} name="name" rules={[{ required: true }]}>
              <Input autoComplete="username" />
            </Form.Item>
            <Form.Item label={t("密码", "Password")} name="password" rules={[{ required: true }]}>
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            {error !== null && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
            <Button type="primary" htmlType="submit" loading={busy} block>
              {t("登录", "Sign in")}
            </Button>
          </Form>
          <Button type="link" onClick={() => setLang(lang === "zh" ? "en" : "zh")} style={{ marginTop: 8 }}>
            {lang === "zh" ? "English" : "中文"}
          </Button>
        </Card>
      </main>
    </>
  );
}
