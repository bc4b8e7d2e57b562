// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // "Yenile": a new captcha image without reloading the form.
  const refresh = document.getElementById("captcha-refresh");
  const image = document.getElementById("captcha-image");
  if (refresh && image) {
    refresh.addEventListener("click", (event) => {
      event.preventDefault();
      image.src = "/captcha.png?n=" + Date.now();
      const input = document.getElementById("captcha");
      if (input) { input.value = ""; input.focus(); }
    });
  }
  // The seconds left for the SMS code, counting down.
  const countdown = document.getElementById("countdown");
  if (countdown) {
    let left = parseInt(countdown.dataset.seconds, 10) || 0;
    const tick = () => {
      countdown.textContent = String(left);
      if (left > 0) { left -= 1; setTimeout(tick, 1000); }
    };
    tick();
  }
  // The holder's session ends after the idle time the server keeps it:
  // warn two minutes before, then go to the log-in page.
  const warning = document.getElementById("session-warning");
  if (warning) {
    const total = parseInt(warning.dataset.seconds, 10) || 0;
    if (total > 0) {
      setTimeout(() => { warning.hidden = false; }, Math.max(0, total - 120) * 1000);
      setTimeout(() => { window.location.href = "/bireysel/giris?expired=1"; }, total * 1000);
    }
  }
  // Sürücü Yükleme Servisi: only the versions of the chosen operating system.
  for (const versions of document.querySelectorAll("select[data-versions-of]")) {
    const system = document.getElementById(versions.dataset.versionsOf);
    if (!system) continue;
    const narrow = () => {
      for (const option of versions.querySelectorAll("option[data-os]")) {
        const other = system.value !== "" && option.dataset.os !== system.value;
        option.hidden = other;
        option.disabled = other;
        if (other && option.selected) versions.value = "";
      }
    };
    system.addEventListener("change", narrow);
    narrow();
  }
  // İlçe: only the districts of the chosen İl (the page lists them all, grouped).
  for (const districts of document.querySelectorAll("select[data-districts-of]")) {
    const province = document.getElementById(districts.dataset.districtsOf);
    if (!province) continue;
    const groups = Array.from(districts.querySelectorAll("optgroup"), (g) => g.cloneNode(true));
    const none = districts.querySelector("option[value='']").cloneNode(true);
    const narrow = () => {
      const kept = districts.value;
      const group = groups.find((g) => g.label === province.value);
      districts.replaceChildren(none.cloneNode(true), ...(group ? Array.from(group.children, (o) => o.cloneNode(true)) : []));
      districts.value = kept;
      if (districts.value !== kept) districts.value = "";
    };
    province.addEventListener("change", narrow);
    narrow();
  }
});
