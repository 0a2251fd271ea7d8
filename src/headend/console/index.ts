/** The supervisor console: a static page served by the head-end API (issue #5 item 7). */
export { registerConsole, CONSOLE_PATH, CONSOLE_CSP } from './serve.ts';
