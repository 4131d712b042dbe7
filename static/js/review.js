// Keyboard shortcuts on a claim: j next, k previous, a approve, r reject, f confirm fraud.
(function () {
  const nav = document.getElementById("review-nav");
  const click = (id) => { const button = document.getElementById(id); if (button) button.click(); };
  document.getElementById("fraud")?.addEventListener("click", (event) => {
    if (!window.confirm(event.currentTarget.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey ||
        event.altKey) return;
    const go = (where) => { if (where) window.location.href = where; };
    switch (event.key) {
      case "j": go(nav.dataset.next); break;
      case "k": go(nav.dataset.previous); break;
      case "a": click("approve"); break;
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
