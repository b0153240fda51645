/** Resolves on a later turn of the event loop, after the I/O callbacks (ingest requests, say) waiting now have run. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
