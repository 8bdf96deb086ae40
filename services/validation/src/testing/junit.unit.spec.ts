import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS, parseJUnit } from './junit.js';
import { XmlLimitError } from './xml.js';

// Written by node 20.20's junit reporter for a file with a top-level test, nested describes, a skip, a todo, two
// tests of the same name and a test with subtests (trimmed stacks; the double-escaped quote is node's own).
const NODE_REPORT = `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
	<testcase name="top level passes" time="0.000887" classname="test"/>
	<testcase name="top &lt;level> &amp; &amp;quot;fails&amp;quot;" time="0.002206" classname="test" failure="math &amp; &lt;stuff>2 !== 3">
		<failure type="testCodeFailure" message="math &amp; &lt;stuff>2 !== 3">
[Error [ERR_TEST_FAILURE]: math &amp; &lt;stuff>
		</failure>
	</testcase>
	<testsuite name="outer" time="0.002678" disabled="0" errors="0" tests="3" failures="1" skipped="1" hostname="vm">
		<testsuite name="inner" time="0.001859" disabled="0" errors="0" tests="3" failures="0" skipped="2" hostname="vm">
			<testcase name="given a, when b, then c" time="0.000193" classname="test"/>
			<testcase name="skipped one" time="0.001300" classname="test">
				<skipped type="skipped" message="not now"/>
			</testcase>
			<testcase name="todo one" time="0.000109" classname="test">
				<skipped type="todo" message="true"/>
			</testcase>
		</testsuite>
		<testcase name="dup" time="0.000143" classname="test"/>
		<testcase name="dup" time="0.000116" classname="test" failure="boomsecond line">
			<failure type="testCodeFailure" message="boomsecond line">
[Error [ERR_TEST_FAILURE]: boom
second line]
			</failure>
		</testcase>
	</testsuite>
	<testsuite name="with subtests" time="0.007372" disabled="0" errors="0" tests="2" failures="1" skipped="0" hostname="vm">
		<testcase name="sub ok" time="0.000208" classname="test"/>
		<testcase name="sub fail" time="0.006814" classname="test" failure="The expression evaluated to a falsy value:  assert.ok(false)">
			<failure type="testCodeFailure" message="The expression evaluated to a falsy value:  assert.ok(false)">
Error [ERR_TEST_FAILURE]: The expression evaluated to a falsy value:
			</failure>
		</testcase>
	</testsuite>
	<!-- tests 10 -->
	<!-- fail 4 -->
</testsuites>`;

// vitest's junit reporter (addFileAttribute on): one suite per file, describe path in the name, failure body text.
const VITEST_REPORT = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="2" failures="1" errors="0" time="0.5">
    <testsuite name="src/cart.test.ts" timestamp="2026-12-05T09:00:00.000Z" hostname="vm" tests="2" failures="1" errors="0" skipped="0" time="0.01">
        <testcase classname="src/cart.test.ts" file="src/cart.test.ts" name="cart &gt; adds a line" time="0.002">
        </testcase>
        <testcase classname="src/cart.test.ts" file="src/cart.test.ts" name="cart &gt; prices it" time="0.004">
            <failure message="expected 3 to be 4" type="AssertionError">
AssertionError: expected 3 to be 4
 ❯ src/cart.test.ts:12:17
            </failure>
            <system-out>
some &lt;output&gt;
            </system-out>
        </testcase>
    </testsuite>
</testsuites>`;

describe('parseJUnit', () => {
  it('given node:test junit output, when parsed, then every test case has its suite path, status and duration', () => {
    const results = parseJUnit(NODE_REPORT);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['top level passes', 'passed'],
      ['top <level> & &quot;fails&quot;', 'failed'],
      ['outer > inner > given a, when b, then c', 'passed'],
      ['outer > inner > skipped one', 'skipped'],
      ['outer > inner > todo one', 'skipped'],
      ['outer > dup', 'passed'],
      ['outer > dup #2', 'failed'],
      ['with subtests > sub ok', 'passed'],
      ['with subtests > sub fail', 'failed'],
    ]);
    expect(results[0]).toEqual({
      id: 'top level passes',
      name: 'top level passes',
      file: null,
      status: 'passed',
      durationMs: 0.887,
      message: null,
    });
    expect(results[1]!.message).toBe('math & <stuff>2 !== 3');
    expect(results[3]!.message).toBe('not now');
  });

  it('given a failure with an empty message attribute, when parsed, then the failure text is the message', () => {
    const [result] = parseJUnit(
      '<testsuites><testcase name="t"><failure message="">Error: boom\n  at x (a.js:1:1)</failure></testcase></testsuites>',
    );
    expect(result!.message).toBe('Error: boom\n  at x (a.js:1:1)');
  });

  it('given vitest junit output, when parsed, then the file is kept and system output is not a message', () => {
    const results = parseJUnit(VITEST_REPORT);
    expect(results).toEqual([
      {
        id: 'src/cart.test.ts > cart > adds a line',
        name: 'cart > adds a line',
        file: 'src/cart.test.ts',
        status: 'passed',
        durationMs: 2,
        message: null,
      },
      {
        id: 'src/cart.test.ts > cart > prices it',
        name: 'cart > prices it',
        file: 'src/cart.test.ts',
        status: 'failed',
        durationMs: 4,
        message: 'expected 3 to be 4',
      },
    ]);
  });

  it('given generic JUnit with <error> and a file on the suite, when parsed, then the error fails the case', () => {
    const results = parseJUnit(
      `<testsuite name="Calc" file="test/calc.js"><testcase classname="Calc" name="adds"><error type="TypeError"><![CDATA[x <is> not a function]]></error></testcase><testcase name="subtracts"><skipped/></testcase></testsuite>`,
    );
    expect(results.map((r) => [r.id, r.file, r.status, r.message])).toEqual([
      ['Calc > adds', 'test/calc.js', 'failed', 'x <is> not a function'],
      ['Calc > subtracts', 'test/calc.js', 'skipped', null],
    ]);
  });

  it('given a report cut off mid-write, when parsed, then the complete cases are returned', () => {
    const cut = NODE_REPORT.slice(0, NODE_REPORT.indexOf('<testcase name="dup" time="0.000116"') + 20);
    expect(parseJUnit(cut).map((r) => r.id)).toEqual([
      'top level passes',
      'top <level> & &quot;fails&quot;',
      'outer > inner > given a, when b, then c',
      'outer > inner > skipped one',
      'outer > inner > todo one',
      'outer > dup',
    ]);
  });

  it('given a DOCTYPE with entity definitions, when parsed, then it is refused and nothing expands', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><testsuites><testcase name="&lol2;"/></testsuites>`;
    expect(() => parseJUnit(bomb)).toThrow(XmlLimitError);
    // Undeclared entities outside a DOCTYPE stay as written.
    expect(parseJUnit('<testcase name="&lol2; &#65;&#x42;"/>')[0]!.name).toBe('&lol2; AB');
  });

  it('given hostile sizes, when parsed, then limits hold: long messages cut to 2 KiB, deep nesting and big input refused', () => {
    const long = 'x'.repeat(10_000);
    const [r] = parseJUnit(`<testcase name="t"><failure message="${long}"/></testcase>`);
    expect(r!.message!.length).toBe(MAX_MESSAGE_CHARS);
    const deep = '<testsuite name="s">'.repeat(300);
    expect(() => parseJUnit(deep)).toThrow(/deeper/);
    expect(() => parseJUnit('<testsuites/>', { maxChars: 5, maxDepth: 10 })).toThrow(/limit/);
  });

  it('given attribute names like __proto__ and colour codes in messages, when parsed, then they are plain data', () => {
    const [r] = parseJUnit(
      '<testcase __proto__="x" constructor="y" name="t" time="-3"><failure message="\u001b[31mred\u001b[39m"/></testcase>',
    );
    expect(r).toMatchObject({ id: 't', durationMs: 0, message: 'red' });
  });
});
