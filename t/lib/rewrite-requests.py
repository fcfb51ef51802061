#!/usr/bin/env python3
"""Rewrites the old request helpers of t/ to the one signature
api($method, $path, $body, $token, %opt) (docs/development.md):

  call($m, $p, $tok, $body, %o)      -> api($m, $p, $body, $tok, %o)
  auth_json($m, $p, $tok, $data, %o) -> api($m, $p, $data, $tok, %o)
  auth_get($p, $tok, %o)             -> api(GET => $p, undef, $tok, %o)
  json_post($p, $data, %o)           -> api(POST => $p, $data, undef, %o)
  json_request($m, $p, $data, %o)    -> api($m, $p, $data, undef, %o)
  json_get($p, %o)                   -> http(GET => $p, %o)
  token_for(...)                     -> token(...)
  api($m, $p, $b, $tok, 'H' => 'v')  -> api($m, $p, $b, $tok, headers => ['H' => 'v'])

For a test file written against the old helpers (e.g. on a branch merged later):
    python3 t/lib/rewrite-requests.py t/area/new.t
Calls already in the new form are left alone.
"""
import re
import sys

OPTIONS = {'headers', 'port', 'timeout', 'local_addr', 'no_schema_check', 'content_type',
           'no_content_type', 'chunked', 'chunk_size'}
NAMES = ['call', 'auth_json', 'auth_get', 'api', 'json_post', 'json_request', 'json_get', 'token_for']
CALL_RE = re.compile(r'(?<![\w$@%&>:])(' + '|'.join(NAMES) + r')\s*\(')


def parse_args(s, i):
    """s[i] is just after '('. Returns (args, seps, end) where end is the index
    of the closing ')'. args are raw texts (with whitespace); seps are ',' or '=>'."""
    depth = 0
    args, seps = [], []
    cur = i
    j = i
    n = len(s)
    while j < n:
        c = s[j]
        if c in '\'"':
            q = c
            j += 1
            while j < n and s[j] != q:
                if s[j] == '\\':
                    j += 1
                j += 1
            j += 1
            continue
        if c == '#' and (j == 0 or s[j - 1] != '$'):
            while j < n and s[j] != '\n':
                j += 1
            continue
        m = re.match(r'(qr|qq|qw|q)\s*([{(\[/|!<])', s[j:])
        if m and (j == 0 or not (s[j - 1].isalnum() or s[j - 1] in '_$@%')):
            op = m.group(2)
            close = {'{': '}', '(': ')', '[': ']', '<': '>'}.get(op, op)
            k = j + m.end()
            d = 1
            while k < n:
                if s[k] == '\\':
                    k += 2
                    continue
                if s[k] == close and op != close:
                    d -= 1
                    if d == 0:
                        break
                elif s[k] == op and op != close:
                    d += 1
                elif s[k] == close:
                    break
                k += 1
            j = k + 1
            continue
        if c in '([{':
            depth += 1
        elif c in ')]}':
            if depth == 0:
                args.append(s[cur:j])
                return args, seps, j
            depth -= 1
        elif depth == 0 and c == ',':
            args.append(s[cur:j])
            seps.append(',')
            cur = j + 1
        elif depth == 0 and s.startswith('=>', j):
            args.append(s[cur:j])
            seps.append('=>')
            cur = j + 2
            j += 2
            continue
        j += 1
    raise ValueError('unbalanced')


def ws_split(a):
    m = re.match(r'^(\s*)(.*?)(\s*)$', a, re.S)
    return m.group(1), m.group(2), m.group(3)


def build(name, args, seps):
    # drop a trailing empty arg (trailing comma)
    trailing = ''
    if len(args) > 1 and args[-1].strip() == '':
        trailing = seps[-1] + args[-1]
        args = args[:-1]
        seps = seps[:-1]
    parts = [ws_split(a) for a in args]
    contents = [p[1] for p in parts]
    if len(contents) == 1 and contents[0] == '':
        contents = []
    ws = [(p[0], p[2]) for p in parts]

    def join(items, sepl):
        out = ''
        for k, it in enumerate(items):
            out += it
            if k < len(items) - 1:
                out += sepl[k]
        return out

    def sep(k, default):
        if k < len(seps):
            return seps[k]
        return default

    def fmt_sep(x):
        return ' => ' if x == '=>' else ', '

    if name == 'token_for':
        return 'token', '(' + join(args, seps) + trailing + ')'
    if name == 'json_get':
        # json_get($path, %opt) -> http(GET => $path, %opt)
        return 'http', '(GET => ' + join(args, seps) + trailing + ')'
    new = None
    if name == 'api':
        # already the new form: the fifth argument is an option name
        # the old form's trailing arguments are header pairs: a header name
        # ('If-Match', Origin) or an array of them (@headers); anything else
        # (an option, %o, an expression) is the new form
        if len(contents) <= 4 or contents[4].strip('\'"') in OPTIONS or not re.match(
                r'''^(?:(['"]?)[A-Z][A-Za-z0-9-]*\1|@\w+)$''', contents[4]):
            return None
        # api($m, $p, $body, $tok, header pairs...) -> ..., headers => [pairs]
        head = join(args[:4], seps[:3])
        rest = join([c for c in contents[4:]], [fmt_sep(s) for s in seps[4:]])
        return 'api', '(' + head + ', headers => [' + rest + ']' + trailing + ')'
    if name == 'call':
        c = contents + [None] * (4 - len(contents)) if len(contents) < 4 else list(contents)
        m, p, tok, body = c[0], c[1], c[2], c[3] if len(c) > 3 else None
        new = [m, p, body if body is not None else 'undef', tok] + contents[4:]
        newseps = [sep(0, ',')] + [',', ',', ','] + seps[4:]
    elif name == 'auth_json':
        m, p, tok, data = contents[:4]
        new = [m, p, data, tok] + contents[4:]
        newseps = [sep(0, ',')] + [',', ',', ','] + seps[4:]
    elif name == 'auth_get':
        p = contents[0]
        tok = contents[1] if len(contents) > 1 else 'undef'
        new = ['GET', p, 'undef', tok] + contents[2:]
        newseps = ['=>', ',', ',', ','] + seps[2:]
    elif name == 'json_post':
        p, d = contents[0], contents[1]
        new = ['POST', p, d, 'undef'] + contents[2:]
        newseps = ['=>', ',', ',', ','] + seps[2:]
    elif name == 'json_request':
        m, p, d = contents[:3]
        new = [m, p, d, 'undef'] + contents[3:]
        newseps = [sep(0, ','), ',', ',', ','] + seps[3:]
    # keep the whitespace slots of the original arguments where there are any
    out = ''
    for k, it in enumerate(new):
        lead = ws[k][0] if k < len(ws) else (' ' if k else '')
        if k == 0:
            lead = ws[0][0] if ws else ''
        elif k < len(ws) and '\n' in ws[k][0]:
            lead = ws[k][0]
        elif k > 0:
            lead = ' '
        out += lead + it
        if k < len(new) - 1:
            s_ = newseps[k]
            out += ' =>' if s_ == '=>' else ','
    return 'api', '(' + out + trailing + ')'


def join_raw(args, seps):
    out = ''
    for k, a in enumerate(args):
        out += a
        if k < len(seps):
            out += seps[k]
    return out


def rewrite(text, path):
    out = ''
    i = 0
    count = 0
    while True:
        m = CALL_RE.search(text, i)
        if not m:
            out += text[i:]
            break
        # skip definitions "sub name"
        before = text[max(0, m.start() - 4):m.start()]
        if before.endswith('sub '):
            out += text[i:m.end()]
            i = m.end()
            continue
        name = m.group(1)
        args, seps, end = parse_args(text, m.end())
        sub = [rewrite(a, path) for a in args]
        args = [x[0] for x in sub]
        count += sum(x[1] for x in sub)
        r = build(name, args, seps)
        if r is None:
            out += text[i:m.end()] + join_raw(args, seps) + ')'
            i = end + 1
            continue
        newname, newargs = r
        out += text[i:m.start()] + newname + newargs
        i = end + 1
        count += 1
    return out, count


if __name__ == '__main__':
    total = 0
    for path in sys.argv[1:]:
        src = open(path).read()
        new, n = rewrite(src, path)
        if n:
            open(path, 'w').write(new)
            print(f'{path}: {n}')
            total += n
    print('total', total)
