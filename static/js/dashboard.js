// Draws each dashboard chart from the JSON that the server rendered beside it.
document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
  const config = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
  new window.Chart(canvas, config);
});
