// Draws the merchant dashboard's charts from the data the page embeds (#chart-data). A click
// on a day opens that day's policies (or paid claims) in the lists.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const labels = JSON.parse(document.getElementById("chart-labels").textContent);
  const colours = ["#0a5dc2", "#c25400", "#137333", "#8430ce", "#b3261e"];
  const products = Object.keys(data.series);
  // Money per currency: amounts of two currencies are never added, each has its own lines.
  const currencies = Object.keys(data.money);
  const several = currencies.length > 1;
  const named = (label, currency) => (several ? `${label} (${currency})` : label);
  // A small shop's single days swing wildly: the loss ratio is read over the 7 days to date.
  const rolling = (values) => values.map((_, i) =>
    values.slice(Math.max(0, i - 6), i + 1).reduce((a, b) => a + b, 0));
  const money = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(document.documentElement.lang, { style: "percent", maximumFractionDigits: 1 });

  const drill = (list, extra) => (event, elements, chart) => {
    if (!elements.length) return;
    const { index, datasetIndex } = elements[0];
    const day = data.days[index];
    const query = new URLSearchParams({ date_from: day, date_to: day, ...extra(chart, datasetIndex) });
    window.location.href = `${data.links[list]}?${query}`;
  };
  const pointer = (event, elements) => {
    event.native.target.style.cursor = elements.length ? "pointer" : "default";
  };
  const common = (list, extra, format) => ({
    responsive: true, maintainAspectRatio: false, animation: false,
    onClick: drill(list, extra), onHover: pointer,
    scales: { y: { beginAtZero: true, ticks: { callback: (v) => format.format(v) } } },
  });
  const none = () => ({});
  window.dashboardCharts = [
    new Chart(document.getElementById("money-chart"), {
      type: "line",
      // Premiums open the day's policies; claims paid open the day's paid claims.
      options: common("policies", none, money),
      data: { labels: data.day_labels, datasets: currencies.flatMap((currency, n) => [
        { label: named(labels.premiums, currency), data: data.money[currency].premiums, borderColor: colours[(2 * n) % 5], backgroundColor: colours[(2 * n) % 5], tension: 0.2, pointRadius: 2 },
        { label: named(labels.claims, currency), data: data.money[currency].claims, borderColor: colours[(2 * n + 4) % 5], backgroundColor: colours[(2 * n + 4) % 5], tension: 0.2, pointRadius: 2 },
      ]) },
    }),
    new Chart(document.getElementById("policies-chart"), {
      type: "bar",
      options: { ...common("policies", (chart, n) => ({ product: products[n] }), money),
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
      data: { labels: data.day_labels, datasets: products.map((code, n) => ({
        label: data.products[code], data: data.series[code].policies, backgroundColor: colours[n % 5] })) },
    }),
    new Chart(document.getElementById("loss-chart"), {
      type: "bar", options: common("claims", () => ({ status: "paid" }), percent),
      data: { labels: data.day_labels, datasets: currencies.map((currency, n) => {
        const premiums = rolling(data.money[currency].premiums);
        const claims = rolling(data.money[currency].claims);
        return { label: named(labels.ratio, currency), backgroundColor: colours[(n + 2) % 5],
          data: claims.map((c, i) => (premiums[i] ? c / premiums[i] : 0)) };
      }) },
    }),
  ];
  // The money chart: a click on the claims line opens paid claims instead of policies.
  window.dashboardCharts[0].options.onClick = (event, elements, chart) => {
    if (!elements.length) return;
    const claimsLine = elements[0].datasetIndex % 2 === 1;  // each currency: premiums, claims
    drill(claimsLine ? "claims" : "policies", () => (claimsLine ? { status: "paid" } : {}))(event, elements, chart);
  };
  document.body.dataset.chartsDrawn = String(window.dashboardCharts.length);
})();
