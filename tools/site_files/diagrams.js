// Draws each Mermaid fence of the page as an inline SVG, with the Mermaid the build bundled
// (static/mermaid.min.js, from npm). Runs after the page is parsed (both scripts are deferred).
// When every diagram is drawn, <html data-diagrams="drawn">; a diagram that fails shows its
// source and the error, and logs the error to the console.
(async () => {
  const blocks = [...document.querySelectorAll(".jp-Mermaid > pre.mermaid")];
  const root = document.documentElement;
  if (!window.mermaid) {
    console.error("static/mermaid.min.js did not load: the diagrams stay as text");
    root.dataset.diagrams = "failed";
    return;
  }
  window.mermaid.initialize({
    startOnLoad: false,
    securityLevel: "strict",
    theme: "default",
    fontFamily: getComputedStyle(document.body).getPropertyValue("--jp-ui-font-family"),
  });
  let failed = 0;
  for (const [number, source] of blocks.entries()) {
    const holder = source.parentNode;
    try {
      const { svg } = await window.mermaid.render(`site-diagram-${number}`, source.textContent.trim());
      const figure = document.createElement("figure");
      figure.className = "site-diagram";
      figure.innerHTML = svg;
      source.hidden = true;
      holder.classList.add("jp-RenderedMermaid");
      holder.appendChild(figure);
    } catch (error) {
      failed += 1;
      holder.classList.add("jp-mod-warning");
      const message = document.createElement("pre");
      message.className = "site-diagram-error";
      message.textContent = `${error}`;
      holder.appendChild(message);
      console.error(`diagram ${number + 1} could not be drawn: ${error}`);
    }
  }
  root.dataset.diagrams = failed ? "failed" : "drawn";
})();
