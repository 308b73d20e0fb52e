// What every page shares: who is signed in (GET /v1/me), the year, the language, and navigation.
import { createContext, startTransition, useCallback, useContext, useEffect, useState } from "react";
import type { Me } from "./api/client";

export type Lang = "zh" | "en";

export interface Workspace {
  me: Me;
  year: number;
  setYear: (year: number) => void;
  lang: Lang;
  /** The Chinese text, or the English one when English is chosen. */
  t: (zh: string, en: string) => string;
  navigate: (to: string) => void;
}

export const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace {
  const w = useContext(WorkspaceContext);
  if (w === null) throw new Error("useWorkspace outside the workspace");
  return w;
}

/** The prefecture's finance department (it hosts parks): it sees every park's money. */
export const isHost = (me: Me) => me.role === "finance" && me.hosts.length > 0;
/** An operator's finance department: its own parks only. */
export const isOperator = (me: Me) => me.role === "finance" && me.operates.length > 0 && me.hosts.length === 0;
/** An operator's own statistics bureau: its own parks' indicators and commitments only. */
export const isOperatorBureau = (me: Me) => me.role === "statistics" && me.operates.length > 0;
export const readsMoney = (me: Me) => me.role === "finance" || me.role === "auditor";
export const readsAllMoney = (me: Me) => isHost(me) || me.role === "auditor";

/** The operators whose settlement the caller may read: its own, or every park's operator. */
export function operatorsOf(me: Me): string[] {
  if (isOperator(me)) return [me.party];
  return [...new Set(me.parks.filter((p) => p.operator !== p.host).map((p) => p.operator))];
}

/** The current path and query, kept in step with the browser's history. */
export function useLocation(): [URL, (to: string) => void] {
  const [url, setUrl] = useState(() => new URL(window.location.href));
  useEffect(() => {
    const onPop = () => setUrl(new URL(window.location.href));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  // a transition: the page shown stays until the next one is ready (its code loaded), rather than a
  // spinner that React then holds on screen for a moment so that it does not flicker
  const navigate = useCallback((to: string) => {
    window.history.pushState(null, "", to);
    startTransition(() => setUrl(new URL(window.location.href)));
    window.scrollTo(0, 0);
  }, []);
  return [url, navigate];
}

/** A timestamp from the API in the browser's own time zone. */
export function localTime(iso: string | null | undefined, lang: Lang): string {
  if (iso === null || iso === undefined) return "—";
  return new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}
