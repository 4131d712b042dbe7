// Every page: the header's menu on a phone, the language switch, zoomable photos.
(function () {
  const button = document.querySelector(".menu-button");
  const menu = document.getElementById("site-menu");
  if (button && menu) {
    // Without JavaScript the menu simply stays open; with it, a phone gets a Menu button.
    button.hidden = false;
    document.documentElement.classList.add("has-menu");
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }
  document.querySelectorAll("[data-submit-on-change]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  // A photo link opens the full picture in a dialog, scrollable and pinch-zoomable; without
  // JavaScript the link opens the picture itself.
  let dialog = null;
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.zoom");
    if (!link || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "zoomed";
      dialog.innerHTML = '<form method="dialog"><button type="submit" class="secondary"></button></form><img alt="">';
      document.body.append(dialog);
      dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
    }
    dialog.querySelector("button").textContent = document.documentElement.dataset.closeLabel || "×";
    const image = dialog.querySelector("img");
    image.src = link.href;
    image.alt = link.querySelector("img")?.alt || "";
    dialog.showModal();
  });
})();
