import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/**
 * venus' main.css loads Inter from Google with an @import in the middle of the file, which CSS ignores there (and
 * Vite warns about). The app bundles Inter (@fontsource/inter in src/main.tsx), so the import is removed outright:
 * no request to Google, and a CSP without Google's hosts.
 */
function dropVenusGoogleFonts(): Plugin {
  return {
    name: "drop-venus-google-fonts",
    enforce: "pre",
    transform(code, id) {
      if (!id.includes("venus-components") || !id.endsWith(".css")) return null;
      return { code: code.replace(/@import url\(["']?https:\/\/fonts\.googleapis\.com[^)]*\);?/g, ""), map: null };
    },
  };
}

export default defineConfig({
  plugins: [dropVenusGoogleFonts(), react()],
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
