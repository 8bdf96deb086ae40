/** A decode worker of DecodePool: decodes the jobs it is sent, one at a time, and replies in kind. */
import { parentPort } from 'node:worker_threads';
import { decodeJob, unpackJob, type PackedJob, type WorkerReply } from './decode-pool.js';

const port = parentPort;
if (!port) throw new Error('decode-worker must run as a worker thread');

port.on('message', (job: PackedJob) => {
  let reply: WorkerReply;
  try {
    reply = { id: job.id, batch: decodeJob(unpackJob(job)) };
  } catch (error) {
    reply = { id: job.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
