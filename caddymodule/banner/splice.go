package banner

import (
	"fmt"
	"html/template"
	"text/template/parse"
)

// slotFields are the TemplateData fields spliced per request.
var slotFields = map[string]bool{"Return": true, "Nonce": true, "ConsentID": true, "PolicyVersion": true}

// checkSpliceable reports why the templates cannot be pre-rendered, or nil.
// Pre-rendering puts a marker in place of each slot string and only keys
// the cache on whether it is empty, so a template may print a slot string
// ({{.Return}}) or test it ({{if .Return}}, also inside and/or/not), and
// nothing else: no comparison, function argument, variable, {{with}} or
// {{range}} over it, and no function call receiving the whole dot, which
// holds them too. The analysis is conservative: anything it does not
// recognise counts as unsafe and the templates are executed per call.
func checkSpliceable(t *template.Template) error {
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Tree.Root == nil {
			continue
		}
		if err := spliceList(tt.Tree.Root); err != nil {
			return fmt.Errorf("template %q: %v", tt.Name(), err)
		}
	}
	return nil
}

func spliceList(l *parse.ListNode) error {
	if l == nil {
		return nil
	}
	for _, n := range l.Nodes {
		if err := spliceNode(n); err != nil {
			return err
		}
	}
	return nil
}

func spliceNode(n parse.Node) error {
	switch n := n.(type) {
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
		return nil
	case *parse.ActionNode:
		// {{.Return}} prints; anything else must not touch a slot.
		if len(n.Pipe.Decl) == 0 && len(n.Pipe.Cmds) == 1 && len(n.Pipe.Cmds[0].Args) == 1 && isSlot(n.Pipe.Cmds[0].Args[0]) {
			return nil
		}
		return untainted(n.Pipe, n)
	case *parse.IfNode:
		if err := condition(n.Pipe); err != nil {
			return err
		}
		if err := spliceList(n.List); err != nil {
			return err
		}
		return spliceList(n.ElseList)
	case *parse.RangeNode:
		if err := untainted(n.Pipe, n); err != nil {
			return err
		}
		if err := spliceList(n.List); err != nil {
			return err
		}
		return spliceList(n.ElseList)
	case *parse.WithNode:
		if err := untainted(n.Pipe, n); err != nil {
			return err
		}
		if err := spliceList(n.List); err != nil {
			return err
		}
		return spliceList(n.ElseList)
	case *parse.TemplateNode:
		// {{template "x" .}} hands the data on; the callee is checked too.
		if n.Pipe == nil {
			return nil
		}
		if len(n.Pipe.Decl) == 0 && len(n.Pipe.Cmds) == 1 && len(n.Pipe.Cmds[0].Args) == 1 && isWholeData(n.Pipe.Cmds[0].Args[0]) {
			return nil
		}
		return untainted(n.Pipe, n)
	case *parse.ListNode:
		return spliceList(n)
	}
	return fmt.Errorf("%s: unknown node", n)
}

// condition accepts {{if .X}} and and/or/not over slot fields.
func condition(p *parse.PipeNode) error {
	if len(p.Decl) == 0 && len(p.Cmds) == 1 {
		args := p.Cmds[0].Args
		if len(args) == 1 && isSlot(args[0]) {
			return nil
		}
		if id, ok := args[0].(*parse.IdentifierNode); ok && (id.Ident == "and" || id.Ident == "or" || id.Ident == "not") {
			for _, a := range args[1:] {
				if isSlot(a) {
					continue
				}
				if sub, ok := a.(*parse.PipeNode); ok {
					if err := condition(sub); err != nil {
						return err
					}
					continue
				}
				if tainted(a) {
					return fmt.Errorf("%s: uses a per-request string", p)
				}
			}
			return nil
		}
	}
	return untainted(p, p)
}

func untainted(p *parse.PipeNode, where parse.Node) error {
	if p == nil {
		return nil
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			if tainted(a) {
				return fmt.Errorf("%s: uses a per-request string other than by printing or testing it", where)
			}
		}
	}
	return nil
}

// tainted: the node's value is, contains or derives from a slot string.
func tainted(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.DotNode:
		return true
	case *parse.FieldNode:
		return hasSlot(n.Ident)
	case *parse.VariableNode:
		return len(n.Ident) == 1 || hasSlot(n.Ident) // $x may hold anything
	case *parse.ChainNode:
		return true
	case *parse.PipeNode:
		for _, c := range n.Cmds {
			for _, a := range c.Args {
				if tainted(a) {
					return true
				}
			}
		}
		return len(n.Decl) > 0
	}
	return false
}

func hasSlot(idents []string) bool {
	for _, id := range idents {
		if slotFields[id] {
			return true
		}
	}
	return false
}

// isSlot: .Return or $.Return.
func isSlot(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.FieldNode:
		return len(n.Ident) == 1 && slotFields[n.Ident[0]]
	case *parse.VariableNode:
		return len(n.Ident) == 2 && n.Ident[0] == "$" && slotFields[n.Ident[1]]
	}
	return false
}

// isWholeData: . or $.
func isWholeData(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.DotNode:
		return true
	case *parse.VariableNode:
		return len(n.Ident) == 1 && n.Ident[0] == "$"
	}
	return false
}
