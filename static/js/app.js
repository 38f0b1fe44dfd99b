// Small behaviours kept out of inline script, so the Content Security Policy can forbid it.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
// Only one navigation menu open at a time, and none after a click elsewhere.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.nav-menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) {
      menu.removeAttribute("open");
    }
  });
});
// A township filter narrows its village filter (cadres/place_filters.py): a new township
// clears the village chosen in the old one and reloads the list with the new villages.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-narrows]");
  if (select && select.form) {
    const village = select.form.elements[select.dataset.narrows];
    if (village) {
      village.value = "";
    }
    select.form.requestSubmit();
  }
});
