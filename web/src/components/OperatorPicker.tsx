import { Select, Space } from "antd";
import { useState } from "react";
import { operatorsOf, useWorkspace } from "../workspace";

/** The operator (and park) whose money a page shows: fixed for an operator, chosen for the others. */
export function useOperatorChoice(): { operator: string | undefined; picker: React.ReactNode } {
  const { me, t } = useWorkspace();
  const operators = operatorsOf(me);
  const fromUrl = new URL(window.location.href).searchParams.get("operator");
  const [operator, setOperator] = useState<string | undefined>(
    fromUrl !== null && operators.includes(fromUrl) ? fromUrl : operators[0],
  );
  const picker =
    operators.length > 1 ? (
      <Space>
        <label htmlFor="plk-operator">{t("运营方", "Operator")}</label>
        <Select
          id="plk-operator"
          aria-label={t("运营方", "Operator")}
          value={operator}
          onChange={setOperator}
          style={{ width: 160 }}
          options={operators.map((o) => ({ value: o, label: o }))}
        />
      </Space>
    ) : null;
  return { operator, picker };
}
