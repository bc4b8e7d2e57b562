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
});
