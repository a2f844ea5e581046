package templates

import (
	"bytes"
	"fmt"
	"reflect"
	"text/template/parse"
)

// A compiled body is the template body turned, once at parse time, into Go
// closures that write the same bytes as text/template's Execute without its
// reflection: a batch renders a million credentials with one template.
//
// It covers the constructs the built-in templates use for one credential
// (text; actions and if/else whose pipelines are fields of the data
// (.ID, .Issued, .Issuer, .Record.name…), string constants, parenthesized
// pipelines, the template functions and printf). A body with anything else
// (range, with, variables, {{template}}, other built-in functions, number
// constants) is not compiled, and Render executes it with text/template.
//
// A compiled body gives up (returns false) whenever a value is not one it
// knows exactly what text/template would do with: a missing map key, a
// field of something that is not a map, an argument of an unexpected type,
// an error or a panic from a function. Render then executes the body with
// text/template, which writes the output or the error text/template gives.
// So the compiled body only ever writes what text/template writes, and
// otherwise leaves the decision to it.
type compiledBody struct {
	emit []emitFn
}

// emitFn writes a piece of output; false means give up.
type emitFn func(b *bytes.Buffer, d *renderData) bool

// evalFn computes a value; false means give up.
type evalFn func(d *renderData) (any, bool)

// compile returns the compiled body of tree, or nil when it uses anything
// compile does not cover.
func (t *Template) compile(root *parse.ListNode) *compiledBody {
	c := compiler{fns: t.funcs()}
	emit, ok := c.list(root)
	if !ok {
		return nil
	}
	return &compiledBody{emit: emit}
}

// exec writes the output of the body for d to b, or returns false (with b
// in any state) when text/template must decide.
func (cb *compiledBody) exec(b *bytes.Buffer, d *renderData) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return runList(cb.emit, b, d)
}

func runList(list []emitFn, b *bytes.Buffer, d *renderData) bool {
	for _, e := range list {
		if !e(b, d) {
			return false
		}
	}
	return true
}

type compiler struct {
	fns map[string]any
}

func (c *compiler) list(l *parse.ListNode) ([]emitFn, bool) {
	if l == nil {
		return nil, true
	}
	var out []emitFn
	for _, n := range l.Nodes {
		e, ok := c.node(n)
		if !ok {
			return nil, false
		}
		out = append(out, e)
	}
	return out, true
}

func (c *compiler) node(n parse.Node) (emitFn, bool) {
	switch x := n.(type) {
	case *parse.TextNode:
		text := x.Text
		return func(b *bytes.Buffer, _ *renderData) bool { b.Write(text); return true }, true
	case *parse.ActionNode:
		if len(x.Pipe.Decl) > 0 {
			return nil, false
		}
		// Every action ends in the escaper or a function that writes
		// JSON (escapeNode): its value is rawJSON, which text/template
		// prints as the string it is.
		if raw, ok := c.rawPipe(x.Pipe); ok {
			return func(b *bytes.Buffer, d *renderData) bool {
				r, ok := raw(d)
				if ok {
					b.WriteString(string(r))
				}
				return ok
			}, true
		}
		eval, ok := c.pipe(x.Pipe)
		if !ok {
			return nil, false
		}
		return func(b *bytes.Buffer, d *renderData) bool {
			v, ok := eval(d)
			if !ok {
				return false
			}
			r, ok := v.(rawJSON)
			if ok {
				b.WriteString(string(r))
			}
			return ok
		}, true
	case *parse.IfNode:
		if len(x.Pipe.Decl) > 0 {
			return nil, false
		}
		cond, ok := c.pipe(x.Pipe)
		if !ok {
			return nil, false
		}
		then, ok := c.list(x.List)
		if !ok {
			return nil, false
		}
		els, ok := c.list(x.ElseList)
		if !ok {
			return nil, false
		}
		return func(b *bytes.Buffer, d *renderData) bool {
			v, ok := cond(d)
			if !ok {
				return false
			}
			truth, ok := isTrue(reflect.ValueOf(v))
			if !ok {
				return false
			}
			if truth {
				return runList(then, b, d)
			}
			return runList(els, b, d)
		}, true
	}
	return nil, false
}

// pipe compiles a pipeline: each command's value is the last argument of
// the next.
func (c *compiler) pipe(p *parse.PipeNode) (evalFn, bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) == 0 {
		return nil, false
	}
	var prev evalFn
	for k, cmd := range p.Cmds {
		var e evalFn
		var ok bool
		switch first := cmd.Args[0].(type) {
		case *parse.IdentifierNode:
			e, ok = c.call(first.Ident, cmd.Args[1:], prev)
		default:
			if k > 0 || len(cmd.Args) != 1 {
				return nil, false
			}
			e, ok = c.arg(first)
		}
		if !ok {
			return nil, false
		}
		prev = e
	}
	return prev, true
}

// rawPipe compiles a pipeline whose last command calls a function of one
// argument returning rawJSON (the escaper, lang, note…) so that its result
// is written without being boxed in an interface: a diploma has dozens.
func (c *compiler) rawPipe(p *parse.PipeNode) (func(*renderData) (rawJSON, bool), bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) == 0 {
		return nil, false
	}
	last := p.Cmds[len(p.Cmds)-1]
	id, ok := last.Args[0].(*parse.IdentifierNode)
	if !ok {
		return nil, false
	}
	fn, ok := c.fns[id.Ident].(func(any) (rawJSON, error))
	if !ok || id.Ident == "printf" {
		return nil, false
	}
	var op evalFn
	switch {
	case len(p.Cmds) == 1 && len(last.Args) == 2:
		op, ok = c.arg(last.Args[1])
	case len(p.Cmds) > 1 && len(last.Args) == 1:
		op, ok = c.pipe(&parse.PipeNode{NodeType: parse.NodePipe, Pos: p.Pos, Cmds: p.Cmds[:len(p.Cmds)-1]})
	default:
		return nil, false
	}
	if !ok {
		return nil, false
	}
	return func(d *renderData) (rawJSON, bool) {
		v, ok := op(d)
		if !ok {
			return "", false
		}
		r, err := fn(v)
		return r, err == nil
	}, true
}

// arg compiles an operand: a field of the data, a string constant or a
// parenthesized pipeline.
func (c *compiler) arg(n parse.Node) (evalFn, bool) {
	switch x := n.(type) {
	case *parse.FieldNode:
		return field(x.Ident)
	case *parse.StringNode:
		s := x.Text
		return func(*renderData) (any, bool) { return s, true }, true
	case *parse.PipeNode:
		return c.pipe(x)
	}
	return nil, false
}

// field compiles .ID, .Issued, .Issuer and .Record.name.member…: map
// lookups, where a missing key (an error for text/template, whose option
// is missingkey=error) or anything but a map on the way gives up.
func field(ident []string) (evalFn, bool) {
	if len(ident) == 0 {
		return nil, false
	}
	switch ident[0] {
	case "ID":
		if len(ident) == 1 {
			return func(d *renderData) (any, bool) { return d.ID, true }, true
		}
	case "Issued":
		if len(ident) == 1 {
			return func(d *renderData) (any, bool) { return d.Issued, true }, true
		}
	case "Issuer":
		if len(ident) == 1 {
			return func(d *renderData) (any, bool) { return d.Issuer, true }, true
		}
	case "Record":
		path := ident[1:]
		return func(d *renderData) (any, bool) {
			var v any = d.Record
			for _, name := range path {
				var ok bool
				switch m := v.(type) {
				case map[string]any:
					v, ok = m[name]
				case map[string]string:
					v, ok = m[name]
				}
				if !ok {
					return nil, false
				}
			}
			return v, true
		}, true
	}
	return nil, false
}

// call compiles a call of the function name with args, and the value of
// the previous command as the last argument when prev is set.
func (c *compiler) call(name string, args []parse.Node, prev evalFn) (evalFn, bool) {
	var ops []evalFn
	for _, a := range args {
		e, ok := c.arg(a)
		if !ok {
			return nil, false
		}
		ops = append(ops, e)
	}
	if prev != nil {
		ops = append(ops, prev)
	}
	if name == "printf" {
		if len(ops) == 0 {
			return nil, false
		}
		return func(d *renderData) (any, bool) {
			vals, ok := evalAll(ops, d)
			if !ok {
				return nil, false
			}
			format, ok := vals[0].(string)
			if !ok {
				return nil, false
			}
			return fmt.Sprintf(format, vals[1:]...), true
		}, true
	}
	switch fn := c.fns[name].(type) {
	case func(any) (rawJSON, error):
		if len(ops) != 1 {
			return nil, false
		}
		op := ops[0]
		return func(d *renderData) (any, bool) {
			v, ok := op(d)
			if !ok {
				return nil, false
			}
			r, err := fn(v)
			return r, err == nil
		}, true
	case func(string) (rawJSON, error):
		if len(ops) != 1 {
			return nil, false
		}
		op := ops[0]
		return func(d *renderData) (any, bool) {
			v, ok := op(d)
			if !ok {
				return nil, false
			}
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			r, err := fn(s)
			return r, err == nil
		}, true
	case func(*issuerView) (rawJSON, error):
		if len(ops) != 1 {
			return nil, false
		}
		op := ops[0]
		return func(d *renderData) (any, bool) {
			v, ok := op(d)
			if !ok {
				return nil, false
			}
			iv, ok := v.(*issuerView)
			if !ok || iv == nil {
				return nil, false
			}
			r, err := fn(iv)
			return r, err == nil
		}, true
	case func(any, ...any) (rawJSON, error):
		if len(ops) < 1 {
			return nil, false
		}
		return func(d *renderData) (any, bool) {
			vals, ok := evalAll(ops, d)
			if !ok {
				return nil, false
			}
			r, err := fn(vals[0], vals[1:]...)
			return r, err == nil
		}, true
	}
	return nil, false
}

func evalAll(ops []evalFn, d *renderData) ([]any, bool) {
	vals := make([]any, len(ops))
	for k, op := range ops {
		v, ok := op(d)
		if !ok {
			return nil, false
		}
		vals[k] = v
	}
	return vals, true
}

// isTrue is text/template's truth of a value: false for the zero value of
// its type, an empty map, slice or string, or no value; ok is false for a
// kind text/template refuses.
func isTrue(v reflect.Value) (truth, ok bool) {
	if !v.IsValid() {
		return false, true
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() > 0, true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Complex64, reflect.Complex128:
		return v.Complex() != 0, true
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.UnsafePointer, reflect.Interface:
		return !v.IsNil(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() != 0, true
	case reflect.Float32, reflect.Float64:
		return v.Float() != 0, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() != 0, true
	case reflect.Struct:
		return true, true
	}
	return false, false
}
