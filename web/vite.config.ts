// The web workspace's build (docs/web.md): React, Ant Design and ECharts into web/dist, which
// `parkledger serve` serves at / (src/http/app.ts). Assets get hashed names: a browser keeps them.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // no inline script: the page runs under the API's Content-Security-Policy (script-src 'self')
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { "/v1": "http://127.0.0.1:8080" } },
});
