import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { parseJUnit } from './junit.js';
import type { TestCaseResult } from './types.js';
import { DEFAULT_XML_LIMITS } from './xml.js';

/**
 * The test cases of the JUnit report at `file`, or null when there is none (the runner never wrote it: the suite did
 * not start, or the command is not one whose reporter we set). The file is the application's output: read through a
 * size cap, never followed anywhere else.
 */
export async function readJUnitReport(
  file: string,
  maxBytes = DEFAULT_XML_LIMITS.maxChars,
): Promise<TestCaseResult[] | null> {
  let handle;
  try {
    // Non-blocking: the application could leave a FIFO where its report should be, and must not hang us.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return null;
    if (stat.size > maxBytes)
      throw new Error(`test report ${file} is ${stat.size} bytes, over the ${maxBytes} limit`);
    const buffer = Buffer.alloc(stat.size);
    const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
    return parseJUnit(buffer.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}
