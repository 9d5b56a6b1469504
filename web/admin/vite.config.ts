import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// Served by crm-local at /admin (and deployable as static files under /admin/).
export default defineConfig({
  base: '/admin/',
  plugins: [preact()],
  build: { outDir: 'dist', sourcemap: false },
  test: { environment: 'jsdom', include: ['src/**/*.test.{ts,tsx}'] },
});
