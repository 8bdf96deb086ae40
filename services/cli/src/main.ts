#!/usr/bin/env node
import { main } from './program.js';
import { exitWhenFlushed } from './output.js';

main(process.argv).then(exitWhenFlushed);
