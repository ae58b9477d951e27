/** The file system calls of saveCheckpoint/loadCheckpoint (Node build; see files.browser.ts). */
export { readFileSync, writeFileSync } from 'node:fs';
