/** Streamlab's version, as written into commitInfo.engineInfo. */
import * as path from "node:path";
import { defaultStorage } from "./storage";

function readVersion(): string {
  for (const p of [path.join(__dirname, "..", "..", "package.json"), path.join(__dirname, "..", "..", "..", "package.json")]) {
    try {
      const pkg = JSON.parse(defaultStorage.readText(p));
      if (pkg.name === "streamlab") return pkg.version;
    } catch {
      /* try the next location */
    }
  }
  return "0.0.0";
}

export const STREAMLAB_VERSION = readVersion();
export const ENGINE_INFO = `Streamlab/${STREAMLAB_VERSION}`;
