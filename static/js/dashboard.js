// Draws the merchant dashboard's charts from the data the page embeds (#chart-data).
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const labels = JSON.parse(document.getElementById("chart-labels").textContent);
  const colours = ["#0a5dc2", "#e37400", "#137333", "#a142f4", "#b3261e"];
  const products = Object.keys(data.series);
  const sum = (name) => data.days.map((_, i) =>
    products.reduce((total, code) => total + data.series[code][name][i], 0));
  const premiums = sum("premiums");
  const claims = sum("claims");
  const common = { responsive: true, maintainAspectRatio: false, animation: false };
  window.dashboardCharts = [
    new Chart(document.getElementById("money-chart"), {
      type: "line", options: common,
      data: { labels: data.days, datasets: [
        { label: labels.premiums, data: premiums, borderColor: colours[0], tension: 0.2 },
        { label: labels.claims, data: claims, borderColor: colours[4], tension: 0.2 },
      ] },
    }),
    new Chart(document.getElementById("policies-chart"), {
      type: "bar",
      options: { ...common, scales: { x: { stacked: true }, y: { stacked: true } } },
      data: { labels: data.days, datasets: products.map((code, n) => ({
        label: code, data: data.series[code].policies, backgroundColor: colours[n % 5] })) },
    }),
    new Chart(document.getElementById("loss-chart"), {
      type: "bar", options: common,
      data: { labels: data.days, datasets: [{
        label: labels.ratio, backgroundColor: colours[2],
        data: premiums.map((p, i) => (p ? claims[i] / p : 0)) }] },
    }),
  ];
  document.body.dataset.chartsDrawn = String(window.dashboardCharts.length);
})();
