/** Where the built renderer lives (scripts/build-renderer.mjs writes it), for both shells. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RENDERER_DIST = fileURLToPath(new URL('../renderer/dist', import.meta.url));

/** The built renderer folder; throws with the command to run when it has not been built. */
export function builtRendererDir(): string {
  if (!existsSync(`${RENDERER_DIST}/index.html`))
    throw new Error(`the renderer is not built: run \`npm run build:renderer\` (expected ${RENDERER_DIST})`);
  return RENDERER_DIST;
}
