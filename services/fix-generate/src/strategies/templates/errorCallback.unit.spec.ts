import { describe, expect, it } from 'vitest';
import { errorCallbackDrafts } from './errorCallback.js';

const src = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('errorCallbackDrafts', () => {
  const handler = src(
    'function handle(req, res, done) {',
    '  done = wrap(done, function (old, err) {',
    '    if (err) return old(err);',
    "    var body = list.join(',');",
    "    return res.set('Allow', body).send(body);",
    '  });',
    '}',
  );

  it('given a call on the evidence line where the function reports errors to a callback, then the throw goes to it', () => {
    const drafts = errorCallbackDrafts('lib/router.js', handler, [{ line: 5, weight: 1 }]);
    expect(drafts.map((d) => d.text)).toEqual([
      handler.replace(
        "    return res.set('Allow', body).send(body);",
        [
          '    try {',
          "      return res.set('Allow', body).send(body);",
          '    } catch (err) {',
          '      return old(err);',
          '    }',
        ].join('\n'),
      ),
    ]);
    expect(drafts[0]!.rationale).toContain('`old`');
  });

  it('given a statement with more after it, then also the statement with the rest of its block, fitting a little less', () => {
    const text = src(
      'function send(res, body, next) {',
      '  if (!body) return next(new Error("empty"));',
      "  res.set('Length', body.length);",
      '  res.end(body);',
      '}',
    );
    const drafts = errorCallbackDrafts('lib/send.js', text, [{ line: 3, weight: 1 }]);
    expect(drafts.map((d) => d.text)).toEqual([
      text.replace(
        "  res.set('Length', body.length);",
        "  try {\n    res.set('Length', body.length);\n  } catch (err) {\n    return next(err);\n  }",
      ),
      text.replace(
        "  res.set('Length', body.length);\n  res.end(body);",
        "  try {\n    res.set('Length', body.length);\n    res.end(body);\n  } catch (err) {\n    return next(err);\n  }",
      ),
    ]);
    expect(drafts[1]!.fit).toBeLessThan(drafts[0]!.fit);
  });

  it('given a declaration the next statements read, then it is wrapped with them, never alone', () => {
    const drafts = errorCallbackDrafts('lib/router.js', handler, [{ line: 4, weight: 1 }]);
    expect(drafts.map((d) => d.text)).toEqual([
      handler.replace(
        "    var body = list.join(',');\n    return res.set('Allow', body).send(body);",
        [
          '    try {',
          "      var body = list.join(',');",
          "      return res.set('Allow', body).send(body);",
          '    } catch (err) {',
          '      return old(err);',
          '    }',
        ].join('\n'),
      ),
    ]);
  });

  it('given a statement whose only call is the error callback itself, then nothing to hand over', () => {
    expect(errorCallbackDrafts('lib/router.js', handler, [{ line: 3, weight: 1 }])).toEqual([]);
  });

  it("given only an outer function's callback (middleware's next), then that one", () => {
    const text = src(
      'app.use(function (req, res, next) {',
      '  if (!req.user) return next(new Error("no user"));',
      '  [1, 2].forEach(function (n) {',
      '    render(req.user.views[n]);',
      '  });',
      '});',
    );
    const [d] = errorCallbackDrafts('app.js', text, [{ line: 4, weight: 1 }]);
    expect(d!.text).toContain('  } catch (err) {\n      return next(err);');
  });

  it('given no callback that receives errors, or nothing that can throw, then nothing', () => {
    const plain = src('function f(a, cb) {', '  const x = a.b.c;', '  cb(null, x);', '}');
    expect(errorCallbackDrafts('f.js', plain, [{ line: 2, weight: 1 }])).toEqual([]);
    const quiet = src('function g(err, next) {', '  if (err) return next(err);', '  x = 1;', '}');
    expect(errorCallbackDrafts('g.js', quiet, [{ line: 3, weight: 1 }])).toEqual([]);
  });

  it('given a const the rest of the block reads, then only the extent that keeps it in scope', () => {
    const text = src(
      'function h(req, next) {',
      '  if (req.bad) return next(new TypeError("bad"));',
      '  const v = parse(req.body);',
      '  use(v);',
      '}',
    );
    const drafts = errorCallbackDrafts('h.js', text, [{ line: 3, weight: 1 }]);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]!.text).toContain(
      '  try {\n    const v = parse(req.body);\n    use(v);\n  } catch (err) {',
    );
  });
});
