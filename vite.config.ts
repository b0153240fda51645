import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  define: {
    // venus reads process.env.ENV when it meets a deprecated prop (contentstack-app.md §14).
    "process.env.ENV": JSON.stringify("production"),
  },
  build: {
    outDir: "dist/ui",
    // Vite 8's Lightning CSS minifier fails on venus' main.css.
    cssMinify: false,
    chunkSizeWarningLimit: 6000,
  },
  server: { port: 5173 },
});
