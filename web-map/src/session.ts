// Who is using the map: signing in with a password (an HttpOnly session
// cookie plus a CSRF token for writes), signing out, and what the role
// shows. Viewers see no write controls; a 401 brings the sign-in form
// back, a 403 is said plainly.

import { ApiError, type Session, api, setCsrf, whenUnauthorized } from "./api";
import { t } from "./i18n";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Roles that may make, activate and delete plans. */
const PLANNERS = new Set(["planner", "admin"]);

export function canPlan(s: Session | null): boolean {
  return !!s?.role && PLANNERS.has(s.role);
}

/** Shows the caller in the header and hides what their role may not use. */
export function applyRole(s: Session): void {
  setCsrf(s.csrf);
  const role = s.role ? t(`role_${s.role}` as Parameters<typeof t>[0]) : "";
  const name = s.signed_in ? (s.name ?? "") : t("anonymous");
  // A dispatcher plans nothing but works cases: not read-only.
  const readOnly = !canPlan(s) && s.role !== "dispatcher" && s.role !== "worker";
  $("who").textContent = `${name}${role ? ` · ${role}` : ""}${readOnly ? ` · ${t("readOnly")}` : ""}`;
  $("who").dataset.role = s.role ?? "";
  $("signout").hidden = !(s.signed_in && s.kind === "user");
  $("signin-open").hidden = s.signed_in;
  for (const el of document.querySelectorAll<HTMLElement>("[data-needs=plan]")) {
    if (canPlan(s)) delete el.dataset.hiddenByRole;
    else el.dataset.hiddenByRole = "";
  }
}

/** Says a refusal or failure at the top of the page. */
export function notify(err: unknown): void {
  const n = $("notice");
  if (err instanceof ApiError && err.status === 403) n.textContent = `${t("notAllowed")}: ${err.message}`;
  else n.textContent = err instanceof Error ? err.message : String(err);
  n.dataset.status = err instanceof ApiError ? String(err.status) : "";
  n.hidden = false;
}

export function clearNotice(): void {
  $("notice").hidden = true;
}

/** The sign-in form; resolves with the session once signed in. */
export function signIn(message?: string): Promise<Session> {
  const overlay = $("signin");
  overlay.hidden = false;
  $("signin-error").textContent = message ?? "";
  $<HTMLInputElement>("signin-name").focus();
  return new Promise((resolve) => {
    const form = $<HTMLFormElement>("signin-form");
    form.onsubmit = async (e) => {
      e.preventDefault();
      $<HTMLButtonElement>("signin-submit").disabled = true;
      try {
        const s = await api.signIn($<HTMLInputElement>("signin-name").value, $<HTMLInputElement>("signin-password").value);
        overlay.hidden = true;
        $<HTMLInputElement>("signin-password").value = "";
        clearNotice();
        resolve(s);
      } catch (err) {
        $("signin-error").textContent =
          err instanceof ApiError && err.status === 401 ? t("wrongPassword") : (err as Error).message;
      } finally {
        $<HTMLButtonElement>("signin-submit").disabled = false;
      }
    };
  });
}

/** The session to start with: the current one, or one signed in to. */
export async function startSession(onSignedIn: (s: Session) => void): Promise<Session> {
  let leaving = false;
  let asking = false;
  whenUnauthorized((message) => {
    if (leaving || asking || !$("signin").hidden) return;
    asking = true;
    void signIn(message)
      .then(onSignedIn)
      .finally(() => {
        asking = false;
      });
  });
  $("signin-open").addEventListener("click", () => void signIn().then(onSignedIn));
  $("signout").addEventListener("click", async () => {
    // Requests still under way will be refused: that is no reason to ask.
    leaving = true;
    await api.signOut().catch(() => undefined);
    window.location.reload();
  });
  const s = await api.session();
  return s.role ? s : signIn(s.refused ?? undefined);
}
