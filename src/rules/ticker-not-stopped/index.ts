import type { GoFile } from '../../analysis/go-file.js';
import { atLeast } from '../../analysis/go-version.js';
import type { Fix } from '../../model.js';
import type { SyntaxNode } from '../../analysis/parser.js';
import { enclosingFunction } from '../../analysis/scope.js';
import { insertLineAfterStatement } from '../../fix/edits.js';
import { defineRule } from '../define-rule.js';
import { insideFuncLiteral, loopsBetween, referencesTo } from '../../analysis/syntax.js';
import { functionLabel, neverReturns, runsOnce, timeCall } from '../shared/timers.js';

const CONSTRUCTORS = ['NewTicker', 'NewTimer'];

/** Where the result of time.NewTicker/NewTimer goes. */
type Target =
  | { readonly kind: 'named'; readonly statement: SyntaxNode; readonly name: SyntaxNode }
  | { readonly kind: 'discarded'; readonly statement: SyntaxNode };

export default defineRule({
  id: 'ticker-not-stopped',
  meta: {
    title: 'ticker or timer is never stopped',
    family: 'goroutines',
    severity: 'warning',
    confidence: 'high',
    since: '0.1.0',
    fix: 'suggestion',
    messages: {
      ticker: '{{name}} is never stopped; the runtime keeps the ticker firing and reachable forever, long after {{func}} returns',
      timer: '{{name}} is never stopped; the runtime keeps the timer and its channel reachable until it fires, even after {{func}} returns',
      tickerGo123:
        '{{name}} is never stopped; the ticker keeps firing until the garbage collector finds it unreachable instead of when {{func}} is done with it',
      timerGo123:
        '{{name}} is never stopped; the timer stays pending until the garbage collector finds it unreachable instead of when {{func}} is done with it',
      discarded: 'the {{kind}} made by time.{{ctor}} is discarded and can never be stopped; the runtime keeps it reachable {{until}}',
    },
    hint: 'Stop the ticker or timer when you are done with it, usually with `defer t.Stop()` right after it is made',
    docs: {
      description:
        'Before Go 1.23 the runtime keeps every started `time.Ticker` in its timer heap until `Stop` is called: an unstopped ticker is never garbage collected and keeps firing, together with its channel, for the life of the process. An unstopped `time.Timer` stays in the heap until it fires, so a long timeout made per request and abandoned when the request finishes early piles up. A ticker per connection or per call that is never stopped is a steady leak, and a CPU cost as well, since every leaked ticker still fires.',
      bad: 'func heartbeat(ctx context.Context, conn net.Conn) error {\n\tt := time.NewTicker(10 * time.Second)\n\tfor {\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn ctx.Err()\n\t\tcase <-t.C:\n\t\t\tif _, err := conn.Write(ping); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n\t\t}\n\t}\n}',
      good: 'func heartbeat(ctx context.Context, conn net.Conn) error {\n\tt := time.NewTicker(10 * time.Second)\n\tdefer t.Stop()\n\tfor {\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn ctx.Err()\n\t\tcase <-t.C:\n\t\t\tif _, err := conn.Write(ping); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n\t\t}\n\t}\n}',
      confidence:
        'High before Go 1.23, where an unstopped ticker is never collected. Low on Go 1.23 and later (the garbage collector reclaims it once unreferenced: stopping is tidiness), without a one-click suggestion.',
      notReported: [
        'A ticker or timer that is returned, stored in a field, a variable or a composite literal, or passed to another function: its new owner is responsible for stopping it. Only `t.C` and `t.Reset(…)` count as keeping it local.',
        'A ticker or timer with any `t.Stop` in the function, including one inside a function literal (`defer func() { t.Stop() }()`) or a method value (`stop := t.Stop`): the rule cannot tell whether that code runs, so it assumes it does.',
        'A ticker or timer used inside a function literal (a goroutine reading `t.C`): the literal may outlive the function, and stopping the ticker when the function returns would leave that goroutine waiting forever; goroutine-no-exit looks at such goroutines.',
        'Outside a loop, a ticker or timer made in `func main()`, in `func init()`, or in a function that never returns (no `return`, and the body ends in an endless loop, `select {}`, `panic` or `os.Exit`): it lives exactly as long as the code using it, and a deferred Stop would never run. Inside a loop these are still reported, since every iteration leaks one.',
        'A timer whose channel is received by a plain statement of the block that made it (`<-t.C`, `v := <-t.C`, `return <-t.C`): the function cannot get past that line before the timer fired, and a fired timer is released. An early return before the receive is not looked for.',
        'Timers created without a variable inside an expression (`<-time.NewTimer(d).C`): that is `time.After`, see time-after-in-loop.',
        "No suggestion inside a loop: `defer t.Stop()` in a loop body runs only when the function returns, so every iteration's ticker would still live until then; call `t.Stop()` at the end of the iteration instead. No suggestion either when the declaration shares its line with other code.",
      ],
      versions:
        'Go 1.23 made unreferenced timers and tickers collectable even when they were never stopped, so on Go 1.23 and later (the `go` directive of go.mod) the rule reports a notice of low confidence (shown only on request) with no one-click suggestion: stopping still releases the ticker when the function is done with it rather than at the next collection, which is tidiness, not a leak. A discarded ticker or timer (`_ = time.NewTimer(d)`) is not reported on Go 1.23 and later, since it is immediately collectable. When the Go version is unknown the rule assumes an older one.',
    },
    severityFor: (version) => (atLeast(version, 23) ? 'notice' : 'warning'),
  },
  nodeTypes: [],
  skipTestFiles: true,
  requiresImports: ['time'],
  check({ file, scope, goVersion, report }) {
    const go123 = atLeast(goVersion, 23);
    for (const call of file.nodesMatching(/\.\s*New(?:Ticker|Timer)\s*\(/g, 'call_expression')) {
      const ctor = timeCall(file, scope, call, CONSTRUCTORS);
      if (!ctor) continue;
      const kind = ctor === 'NewTicker' ? 'ticker' : 'timer';
      const func = enclosingFunction(call);
      if (!func) continue;
      const inLoop = loopsBetween(call, func).length > 0;
      if (!inLoop && (runsOnce(file, func) || neverReturns(file, scope, func))) continue;
      const target = targetOf(call);
      if (!target) continue;
      if (target.kind === 'discarded') {
        if (go123) continue;
        const until = kind === 'ticker' ? 'and firing forever' : 'until it fires';
        report({ node: call, messageId: 'discarded', data: { kind, ctor, until } });
        continue;
      }
      const binding = scope.resolveIdent(target.name);
      if (!binding || binding.kind !== 'local' || binding.func?.id !== func.id) continue;
      const body = func.childForFieldName('body');
      if (!body) continue;
      const refs = referencesTo(scope, body, binding).filter((r) => r.id !== target.name.id);
      if (!isLeaked(func, refs)) continue;
      if (kind === 'timer' && waitsForFire(refs, target.statement)) continue;
      const messageId = go123 ? `${kind}Go123` : kind;
      const data = { name: binding.name, func: functionLabel(func) };
      // From Go 1.23 an unstopped timer is collected once unreferenced: stopping it is tidiness, not
      // a leak, so the finding is low and offers no one-click change.
      const fix = inLoop || go123 ? null : makeFix(file, target.statement, binding.name);
      const hint = inLoop
        ? `Call ${binding.name}.Stop() when the iteration is done with it; a defer inside a loop runs only when the function returns, so every iteration's ${kind} would live until then`
        : undefined;
      report({ node: call, messageId, data, fix, ...(hint ? { hint } : {}), ...(go123 ? { confidence: 'low' as const } : {}) });
    }
  },
});

/** The variable that receives the ticker (`t := …`, `t = …`, `var t = …`), or a discarding statement. */
function targetOf(call: SyntaxNode): Target | undefined {
  const parent = call.parent;
  if (parent?.type === 'expression_statement') return { kind: 'discarded', statement: parent };
  if (parent?.type !== 'expression_list') return undefined;
  const holder = parent.parent;
  if (!holder) return undefined;
  const index = parent.namedChildren.findIndex((c) => c.id === call.id);
  const declared = declaredNames(holder, parent);
  if (!declared) return undefined;
  const { names, statement } = declared;
  if (!statement || names.length !== parent.namedChildCount) return undefined;
  const name = names[index];
  if (!name) return undefined;
  if (name.text === '_') return { kind: 'discarded', statement };
  return name.type === 'identifier' ? { kind: 'named', statement, name } : undefined;
}

/** The names on the left of the statement whose right-hand list is `values`, and that statement. */
function declaredNames(holder: SyntaxNode, values: SyntaxNode): { names: SyntaxNode[]; statement: SyntaxNode | null } | undefined {
  if (
    (holder.type === 'short_var_declaration' || holder.type === 'assignment_statement') &&
    holder.childForFieldName('right')?.id === values.id
  ) {
    if (holder.type === 'assignment_statement' && holder.childForFieldName('operator')?.text !== '=') return undefined;
    return { names: holder.childForFieldName('left')?.namedChildren ?? [], statement: holder };
  }
  if (holder.type === 'var_spec' && holder.childForFieldName('value')?.id === values.id) {
    const statement = holder.parent?.type === 'var_declaration' ? holder.parent : (holder.parent?.parent ?? null);
    return { names: holder.childrenForFieldName('name'), statement };
  }
  return undefined;
}

/**
 * Whether the ticker bound to `binding` is never stopped and never leaves the function: every
 * other reference reads `t.C`, calls `t.Reset(…)`, or assigns to `t`.
 */
function isLeaked(func: SyntaxNode, refs: readonly SyntaxNode[]): boolean {
  for (const ref of refs) {
    const parent = ref.parent;
    if (!parent) return false;
    if (parent.type === 'selector_expression' && parent.childForFieldName('operand')?.id === ref.id) {
      const field = parent.childForFieldName('field')?.text;
      if (field === 'Stop') return false;
      if (insideFuncLiteral(ref, func)) return false;
      if (field === 'C') continue;
      const isCall = parent.parent?.type === 'call_expression' && parent.parent.childForFieldName('function')?.id === parent.id;
      if (field === 'Reset' && isCall) continue;
      return false;
    }
    if (insideFuncLiteral(ref, func)) return false;
    // `t = time.NewTicker(d)` writes the variable; the value does not go anywhere.
    const statement = parent.parent;
    if (parent.type === 'expression_list' && statement?.type === 'assignment_statement') {
      if (statement.childForFieldName('left')?.id === parent.id) continue;
      // `_ = t` silences the compiler and hands the ticker to nobody.
      const left = statement.childForFieldName('left')?.namedChildren ?? [];
      if (left.length === 1 && left[0]?.text === '_') continue;
    }
    return false;
  }
  return true;
}

/**
 * Whether a timer's channel is received by a plain statement (`<-t.C`, `v := <-t.C`, `return <-t.C`) of the block
 * that made it: the function cannot go past that statement before the timer fired, and a timer
 * that fired is released. An early return before it is not looked for (the rule errs towards silence).
 */
function waitsForFire(refs: readonly SyntaxNode[], statement: SyntaxNode): boolean {
  return refs.some((ref) => {
    const selector = ref.parent;
    const receive = selector?.parent;
    if (selector?.type !== 'selector_expression' || selector.childForFieldName('field')?.text !== 'C') return false;
    if (receive?.type !== 'unary_expression' || receive.childForFieldName('operator')?.text !== '<-') return false;
    let holder = receive.parent;
    if (holder?.type === 'expression_list') holder = holder.parent;
    const plain =
      !!holder && ['expression_statement', 'short_var_declaration', 'assignment_statement', 'return_statement'].includes(holder.type);
    return plain && !!holder && holder.parent?.id === statement.parent?.id;
  });
}

/** `defer t.Stop()` on the line after the statement, when it is alone on its lines in a block. */
function makeFix(file: GoFile, statement: SyntaxNode, name: string): Fix | null {
  const edit = insertLineAfterStatement(file, statement, `defer ${name}.Stop()`);
  return edit ? { message: `Stop ${name} when the function returns`, edits: [edit] } : null;
}
