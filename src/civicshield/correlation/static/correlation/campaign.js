// The campaign graph: reports, observables and victims, drawn with the vendored
// cytoscape.js from JSON the server filtered through the access layer. No inline script
// or style (CSP): the page only carries data-url on the container.
document.addEventListener("DOMContentLoaded", () => {
  const container = document.getElementById("campaign-graph");
  if (!container || typeof window.cytoscape !== "function") {
    return;
  }
  fetch(container.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then((graph) => {
      const cy = window.cytoscape({
        container,
        elements: { nodes: graph.nodes, edges: graph.edges },
        wheelSensitivity: 0.2,
        // A small graph is fitted to the box too: without a cap its labels grow huge.
        minZoom: 0.2,
        maxZoom: 2,
        layout: { name: "cose", animate: false, padding: 20 },
        style: [
          { selector: "node", style: { label: "data(label)", "font-size": 9, "text-wrap": "ellipsis", "text-max-width": 120, "text-valign": "bottom", "text-margin-y": 3, color: "#1b1f24" } },
          { selector: "node[kind = 'report']", style: { "background-color": "#0b5cad", shape: "round-rectangle", width: 22, height: 16 } },
          { selector: "node[kind = 'observable']", style: { "background-color": "#9a6700", shape: "diamond", width: 14, height: 14 } },
          { selector: "node[kind = 'victim']", style: { "background-color": "#cf222e", shape: "ellipse", width: 16, height: 16 } },
          { selector: "edge", style: { width: 1, "line-color": "#d0d7de", "curve-style": "bezier" } },
          { selector: "edge[kind = 'observable'], edge[kind = 'narrative'], edge[kind = 'technique']", style: { width: "mapData(strength, 0, 1, 1, 5)", "line-color": "#0b5cad" } },
          { selector: "edge[kind = 'narrative']", style: { "line-style": "dashed" } },
          { selector: "edge[kind = 'technique']", style: { "line-style": "dotted" } },
        ],
      });
      cy.on("tap", "node[kind = 'report']", (event) => {
        window.location.assign(event.target.data("url"));
      });
    })
    .catch(() => {
      container.textContent = container.getAttribute("aria-label");
    });
});
