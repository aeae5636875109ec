/**
 * The bridge to the notebook front end: when running inside the tslab kernel, rich outputs
 * (HTML, SVG, a vega-lite bundle) are sent as Jupyter display_data messages; elsewhere the
 * helpers just return their HTML/SVG so scripts and tests can use them.
 */
export type MimeBundle = Record<string, unknown>;

interface JupyterBridge {
  lastWriteDisplayData: ((data: unknown, update: boolean) => void) | null;
}

function bridge(): JupyterBridge | undefined {
  try {
    // tslab keeps the writer of the current cell on this module; it is null outside a kernel.
    const j = require("tslab/dist/jupyter") as JupyterBridge;
    return j.lastWriteDisplayData ? j : undefined;
  } catch {
    return undefined;
  }
}

/** True inside a running tslab kernel (a notebook cell). */
export function inNotebook(): boolean {
  return bridge() !== undefined;
}

/** A display slot that can be filled and later replaced in place (live progress, for example). */
export class DisplayHandle {
  private shown = false;
  constructor(readonly id = Math.random().toString(16).slice(2)) {}

  /** Shows the bundle, replacing what this handle showed before. Returns false outside a notebook. */
  update(bundle: MimeBundle): boolean {
    const b = bridge();
    if (!b) return false;
    b.lastWriteDisplayData!({ data: bundle, metadata: {}, transient: { display_id: this.id } }, this.shown);
    this.shown = true;
    return true;
  }
}

/** Shows a MIME bundle once. Returns false outside a notebook. */
export function display(bundle: MimeBundle): boolean {
  const b = bridge();
  if (!b) return false;
  b.lastWriteDisplayData!({ data: bundle, metadata: {}, transient: {} }, false);
  return true;
}
