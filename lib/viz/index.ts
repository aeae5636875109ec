/** Tables and charts for notebooks. */
export { show, tableData, tableHtml, tableText, formatValue, type ShowOptions, type Shown, type TableData } from "./table";
export { chart, renderSvg, VEGALITE_MIME, type Chart, type VegaLiteSpec } from "./chart";
export { display, DisplayHandle, inNotebook, type MimeBundle } from "./display";
export { monitor, progressRows, progressSpec, showProgress, timelineSpec, type Monitor } from "./progress";
