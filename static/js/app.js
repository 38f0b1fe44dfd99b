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
