// The portal page's side of the card agent (`tugra agent` on the holder's
// machine): asks it for an operation bound to the portal's nonce, shows the
// link to the agent's own page (where the holder types the PIN: this page
// never sees it), follows the operation and hands its result to the portal.
// Kilit Çözme also carries the sealed PUKs between the agent and the portal;
// signing first asks the portal to prepare the document for the card's certificate.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("agent-op");
  const start = document.getElementById("agent-start");
  if (!box || !start) return;
  const d = box.dataset;
  const status = document.getElementById("agent-status");
  const link = document.getElementById("agent-confirm");
  const say = (text) => { status.textContent = text; };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const toAgent = (path, body) => fetch(d.agent + path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  // A form post to the portal (same origin, with the CSRF token); its answer is JSON.
  const toPortal = async (path, fields) => {
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...fields, nonce: d.nonce, csrf: d.csrf }),
    });
    let answer = {};
    try { answer = await response.json(); } catch { answer = { message: d.msgFailed }; }
    if (!response.ok) throw new Error(answer.message || d.msgFailed);
    return answer;
  };

  const run = async () => {
    let request = { kind: d.kind, nonce: d.nonce };
    if (d.kind === "unlock") { request.card_serial = d.card; request.server_key = d.serverKey; }
    let operation;
    try {
      if (d.kind === "sign") {
        // The card's certificate first: the portal prepares the PDF's signature for it.
        const certificate = await toAgent("/v1/certificate");
        const card = await certificate.json();
        if (!certificate.ok) throw new Error(card.message);
        request = { ...request, ...(await toPortal(d.request, { certificate: card.certificate })) };
      }
      const response = await toAgent("/v1/operations", request);
      operation = await response.json();
      if (!response.ok) throw new Error(operation.message);
    } catch (e) {
      say(e.message && e.message !== "Failed to fetch" ? e.message : d.msgUnreachable);
      start.disabled = false;
      return;
    }
    link.href = operation.confirm_url;
    link.hidden = false;
    say(d.msgConfirm);
    let released = false;
    for (;;) {
      await sleep(400);
      let state;
      try {
        state = await (await toAgent("/v1/operations/" + operation.id)).json();
      } catch {
        say(d.msgUnreachable);
        return;
      }
      try {
        if (state.state === "needs_puk" && !released) {
          released = true;
          say(d.msgWorking);
          const answer = await toPortal(d.release, state.result);
          const delivered = await toAgent("/v1/operations/" + operation.id + "/puk", { sealed_puk: answer.sealed_puk });
          if (!delivered.ok) throw new Error((await delivered.json()).message);
        } else if (state.state === "done") {
          say(d.msgWorking);
          const answer = await toPortal(d.finish, state.result);
          window.location.href = answer.redirect;
          return;
        } else if (state.state === "failed") {
          say(state.message || d.msgFailed);
          link.hidden = true;
          return;
        } else if (state.error) {
          say(state.message || d.msgFailed);
          return;
        }
      } catch (e) {
        say(e.message || d.msgFailed);
        link.hidden = true;
        return;
      }
    }
  };
  start.addEventListener("click", () => { start.disabled = true; run(); });
});
