import type { Finding, FindingKind } from '@self-healing/schemas';
import type { CommitTouches } from './changes.js';

/** One line the evidence points at, with how strongly and why (the reason is shown to people). */
export interface ScoredLine {
  path: string;
  line: number;
  score: number;
  why: string;
  symbol?: string;
}

export type Evidence = Record<string, string | number | boolean | null>;

/** A probable cause before suspect commits are ranked: what it explains and the lines that support it. */
export interface LocatedIssue {
  kind: FindingKind;
  title: string;
  hypothesis: string;
  findingIds: string[];
  /** Best first. */
  lines: ScoredLine[];
  evidence: Evidence;
  /** The innermost in-repository stack frame, when the evidence had one (Sentry's rule blames it). */
  innermostFrame?: { path: string; line: number };
}

/** A function or method of the repository, 1-based inclusive lines. */
export interface CodeSpan {
  path: string;
  name: string;
  start: number;
  end: number;
}

/** A log statement of the repository and how well it explains a mined template. */
export interface SiteMatch {
  path: string;
  line: number;
  score: number;
  /** The enclosing function, when there is one. */
  fn?: CodeSpan;
}

/**
 * What the locators need to know about the code at the deployed commit. Built once per diagnosis from the
 * repository (services/diagnosis/src/code) and handed to the pure locators, so they can be tested on small
 * constructed repositories.
 */
export interface CodeModel {
  /** Every repository path at the commit. */
  files: ReadonlySet<string>;
  /** Source text of indexed files. */
  text(path: string): string | undefined;
  enclosing(path: string, line: number): CodeSpan | undefined;
  /** Log statements that may have written lines of this template, best first. */
  sitesForTemplate(template: string): SiteMatch[];
  /** Log statements whose structured fields name this step (`{ step: 'reserveInventory' }`), in source order. */
  sitesForStep(step: string): SiteMatch[];
  /**
   * What runs for the step a log statement reports: the lines of its function since the previous log statement,
   * and the functions those lines call (transitively, nearest first).
   */
  regionBefore(
    site: { path: string; line: number },
    metric?: string,
  ): { lines: CodeSpan; callees: CodeSpan[] } | undefined;
  /** Functions calling this one. */
  callers(fn: CodeSpan): CodeSpan[];
}

/** The lines changed between the last deployment without the symptom and the first with it, by commit. */
export interface ChangeWindow {
  /** Last good and first bad commits; `good` null when unknown (then the recent history stands in). */
  good: string | null;
  bad: string;
  /** Commits in (good, bad], newest first; or the recent history when `good` is unknown. */
  commits: RangeCommit[];
  /** True when `commits` is the deployed range, false when it is recent history. */
  bounded: boolean;
}

export interface RangeCommit {
  sha: string;
  time: number;
  author: string;
  subject: string;
  /** 0 for the newest commit of the window. */
  depth: number;
  /** Empty once whitespace is ignored: never a suspect. */
  styleOnly: boolean;
  touches: CommitTouches;
}

export type FindingsByKind = Record<FindingKind, Finding[]>;
