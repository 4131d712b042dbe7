// Keyboard shortcuts on a claim: j next, k previous, a approve, r reject, f confirm fraud,
// u undo the approval just made. The undo bar counts its window down.
(function () {
  const nav = document.getElementById("review-nav");
  const click = (id) => { const button = document.getElementById(id); if (button) button.click(); };
  document.getElementById("fraud")?.addEventListener("click", (event) => {
    if (!window.confirm(event.currentTarget.dataset.confirm)) event.preventDefault();
  });

  const bar = document.querySelector(".undo-bar");
  if (bar) {
    let left = Number(bar.dataset.seconds);
    const countdown = bar.querySelector(".countdown");
    const timer = window.setInterval(() => {
      left -= 1;
      if (left > 0) { countdown.textContent = String(left); return; }
      window.clearInterval(timer);
      bar.querySelector(".undo-open").hidden = true;
      bar.querySelector(".undo-closed").hidden = false;
      bar.querySelector("button").remove();
    }, 1000);
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey ||
        event.altKey) return;
    const go = (where) => { if (where) window.location.href = where; };
    switch (event.key) {
      case "j": go(nav?.dataset.next); break;
      case "k": go(nav?.dataset.previous); break;
      case "a": click("approve"); break;
      case "u": click("undo"); break;
      case "r": {
        const reason = document.getElementById("id_reason_code");
        if (reason && !reason.value) { reason.focus(); return; }  // choose a reason, then r
        click("reject"); break;
      }
      case "f": click("fraud"); break;
      default: return;
    }
    event.preventDefault();
  });
})();
