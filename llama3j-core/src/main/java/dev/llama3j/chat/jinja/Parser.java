package dev.llama3j.chat.jinja;

import dev.llama3j.chat.jinja.Token.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recursive-descent parser from tokens to the syntax tree, with Jinja2's grammar and operator
 * precedence (lowest first): {@code x if c else y}, {@code or}, {@code and}, {@code not},
 * comparisons and {@code in}, {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary
 * {@code -}, then filters {@code |} and tests {@code is}, which bind tighter than any operator:
 * {@code 'a' + x | trim} is {@code 'a' + (x | trim)}.
 */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private final List<Token> tokens;
    private final String templateName;
    private int i;
    private int loopDepth;

    private Parser(List<Token> tokens, String templateName) {
        this.tokens = tokens;
        this.templateName = templateName;
    }

    static List<Node> parse(List<Token> tokens, String templateName) {
        Parser p = new Parser(tokens, templateName);
        List<Node> body = p.parseBody(null, Set.of());
        return body;
    }

    // ---- token helpers ----

    private Token peek() {
        return tokens.get(i);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(i + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(i);
        if (t.kind() != Kind.EOF) {
            i++;
        }
        return t;
    }

    private boolean acceptOp(String op) {
        if (peek().isOp(op)) {
            i++;
            return true;
        }
        return false;
    }

    private boolean acceptName(String name) {
        if (peek().isName(name)) {
            i++;
            return true;
        }
        return false;
    }

    private void expectOp(String op) {
        if (!acceptOp(op)) {
            throw error(peek(), "expected '" + op + "' but found " + peek().describe());
        }
    }

    private String expectName() {
        Token t = next();
        if (t.kind() != Kind.NAME) {
            throw error(t, "expected a name but found " + t.describe());
        }
        return t.value();
    }

    private void expect(Kind kind, String what) {
        Token t = next();
        if (t.kind() != kind) {
            throw error(t, "expected " + what + " but found " + t.describe());
        }
    }

    private TemplateException error(Token at, String message) {
        return new TemplateException(templateName, at.line(), message);
    }

    // ---- statements ----

    /**
     * Parses nodes until a block tag named in {@code endTags} (left unconsumed: the caller reads it)
     * or the end of the template, which is an error when an end tag was expected.
     */
    private List<Node> parseBody(Token opening, Set<String> endTags) {
        List<Node> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF -> {
                    if (!endTags.isEmpty()) {
                        throw error(opening, "'{% " + opening.value() + " %}' is never closed: expected "
                                + String.join(" or ", endTags.stream().sorted().map(n -> "'{% " + n + " %}'").toList())
                                + " before the end of the template");
                    }
                    return body;
                }
                case TEXT -> {
                    next();
                    body.add(new Node.Text(t.value(), t.line()));
                }
                case VAR_BEGIN -> {
                    next();
                    Expr e = parseTuple(true);
                    expect(Kind.VAR_END, "'}}'");
                    body.add(new Node.Output(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    Token name = peek(1);
                    if (name.kind() == Kind.NAME && endTags.contains(name.value())) {
                        return body;
                    }
                    next();
                    body.add(parseStatement());
                }
                default -> throw error(t, "unexpected " + t.describe());
            }
        }
    }

    /** Consumes {@code {% name %}} for an end or middle tag the body stopped at. */
    private String closeTag() {
        expect(Kind.BLOCK_BEGIN, "'{%'");
        String name = expectName();
        return name;
    }

    private Node parseStatement() {
        Token t = peek();
        if (t.kind() != Kind.NAME) {
            throw error(t, "expected a tag name after '{%' but found " + t.describe());
        }
        next();
        return switch (t.value()) {
            case "if" -> parseIf(t);
            case "for" -> parseFor(t);
            case "set" -> parseSet(t);
            case "macro" -> parseMacro(t);
            case "filter" -> parseFilterBlock(t);
            case "with" -> parseWith(t);
            case "generation" -> {
                expect(Kind.BLOCK_END, "'%}'");
                List<Node> body = parseBody(t, Set.of("endgeneration"));
                closeTag();
                expect(Kind.BLOCK_END, "'%}'");
                yield new Node.Group(body, t.line());
            }
            case "break", "continue" -> {
                if (loopDepth == 0) {
                    throw error(t, "'{% " + t.value() + " %}' outside a for loop");
                }
                expect(Kind.BLOCK_END, "'%}'");
                yield t.value().equals("break") ? new Node.Break(t.line()) : new Node.Continue(t.line());
            }
            case "include", "import", "from", "extends", "block", "call", "do", "autoescape" ->
                    throw error(t, "the '" + t.value() + "' tag is not supported in chat templates");
            default -> {
                if (t.value().startsWith("end") || t.value().equals("elif") || t.value().equals("else")) {
                    throw error(t, "unexpected '{% " + t.value() + " %}' without a matching opening tag");
                }
                throw error(t, "unknown tag '" + t.value() + "'");
            }
        };
    }

    private Node parseIf(Token opening) {
        List<Expr> tests = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> otherwise = List.of();
        tests.add(parseTuple(false));
        expect(Kind.BLOCK_END, "'%}'");
        while (true) {
            bodies.add(parseBody(opening, Set.of("elif", "else", "endif")));
            String tag = closeTag();
            if (tag.equals("elif")) {
                tests.add(parseTuple(false));
                expect(Kind.BLOCK_END, "'%}'");
            } else if (tag.equals("else")) {
                expect(Kind.BLOCK_END, "'%}'");
                otherwise = parseBody(opening, Set.of("endif"));
                closeTag();
                expect(Kind.BLOCK_END, "'%}'");
                break;
            } else {
                expect(Kind.BLOCK_END, "'%}'");
                break;
            }
        }
        return new Node.If(tests, bodies, otherwise, opening.line());
    }

    private Node parseFor(Token opening) {
        Node.Target target = parseAssignTarget(false);
        if (!acceptName("in")) {
            throw error(peek(), "expected 'in' in for loop but found " + peek().describe());
        }
        Expr iterable = parseTuple(false);
        Expr filter = null;
        if (acceptName("if")) {
            filter = parseExpression(true);
        }
        boolean recursive = acceptName("recursive");
        expect(Kind.BLOCK_END, "'%}'");
        loopDepth++;
        List<Node> body = parseBody(opening, Set.of("endfor", "else"));
        loopDepth--;
        List<Node> otherwise = List.of();
        if (closeTag().equals("else")) {
            expect(Kind.BLOCK_END, "'%}'");
            otherwise = parseBody(opening, Set.of("endfor"));
            closeTag();
        }
        expect(Kind.BLOCK_END, "'%}'");
        return new Node.For(target, iterable, filter, recursive, body, otherwise, opening.line());
    }

    private Node parseSet(Token opening) {
        Node.Target target = parseAssignTarget(true);
        if (acceptOp("=")) {
            Expr value = parseTuple(true);
            expect(Kind.BLOCK_END, "'%}'");
            return new Node.Set(target, value, opening.line());
        }
        List<Expr.Filter> filters = new ArrayList<>();
        while (peek().isOp("|")) {
            filters.add((Expr.Filter) parseFilter(new Expr.Literal(null, opening.line())));
        }
        expect(Kind.BLOCK_END, "'%}'");
        List<Node> body = parseBody(opening, Set.of("endset"));
        closeTag();
        expect(Kind.BLOCK_END, "'%}'");
        return new Node.SetBlock(target, filters, body, opening.line());
    }

    private Node parseMacro(Token opening) {
        String name = expectName();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOp("(");
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            params.add(expectName());
            defaults.add(acceptOp("=") ? parseExpression(true) : null);
        }
        expectOp(")");
        expect(Kind.BLOCK_END, "'%}'");
        int savedDepth = loopDepth;
        loopDepth = 0;
        List<Node> body = parseBody(opening, Set.of("endmacro"));
        loopDepth = savedDepth;
        closeTag();
        expect(Kind.BLOCK_END, "'%}'");
        return new Node.Macro(name, params, defaults, body, opening.line());
    }

    private Node parseFilterBlock(Token opening) {
        List<Expr.Filter> filters = new ArrayList<>();
        Expr placeholder = new Expr.Literal(null, opening.line());
        filters.add((Expr.Filter) parseFilterNamed(placeholder, opening));
        while (peek().isOp("|")) {
            filters.add((Expr.Filter) parseFilter(placeholder));
        }
        expect(Kind.BLOCK_END, "'%}'");
        List<Node> body = parseBody(opening, Set.of("endfilter"));
        closeTag();
        expect(Kind.BLOCK_END, "'%}'");
        return new Node.FilterBlock(filters, body, opening.line());
    }

    private Node parseWith(Token opening) {
        List<Node.Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (peek().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) {
                expectOp(",");
            }
            targets.add(parseAssignTarget(false));
            expectOp("=");
            values.add(parseExpression(true));
        }
        expect(Kind.BLOCK_END, "'%}'");
        List<Node> body = parseBody(opening, Set.of("endwith"));
        closeTag();
        expect(Kind.BLOCK_END, "'%}'");
        return new Node.With(targets, values, body, opening.line());
    }

    /** {@code name}, {@code a, b}, {@code (a, b)}, and with namespaces allowed {@code ns.attr}. */
    private Node.Target parseAssignTarget(boolean allowNamespace) {
        if (allowNamespace && peek().kind() == Kind.NAME && peek(1).isOp(".")) {
            String object = expectName();
            next();
            return new Node.Target.Attribute(object, expectName());
        }
        List<Node.Target> items = new ArrayList<>();
        boolean tuple = false;
        do {
            if (peek().isName("in") || peek().isOp("=")) {
                break;
            }
            if (acceptOp("(")) {
                Node.Target inner = parseAssignTarget(false);
                expectOp(")");
                items.add(inner);
            } else {
                Token t = peek();
                String name = expectName();
                if (Set.of("true", "false", "none", "True", "False", "None").contains(name)) {
                    throw error(t, "cannot assign to '" + name + "'");
                }
                items.add(new Node.Target.Name(name));
            }
            if (peek().isOp(",")) {
                tuple = true;
            }
        } while (acceptOp(","));
        if (items.isEmpty()) {
            throw error(peek(), "expected a variable name but found " + peek().describe());
        }
        return tuple ? new Node.Target.Tuple(items) : items.getFirst();
    }

    // ---- expressions ----

    /** An expression, or a tuple of them when commas follow ({@code {{ a, b }}}). */
    private Expr parseTuple(boolean withCondexpr) {
        int line = peek().line();
        List<Expr> items = new ArrayList<>();
        items.add(parseExpression(withCondexpr));
        boolean tuple = false;
        while (acceptOp(",")) {
            tuple = true;
            if (isTupleEnd()) {
                break;
            }
            items.add(parseExpression(withCondexpr));
        }
        return tuple ? new Expr.TupleLiteral(items, line) : items.getFirst();
    }

    private boolean isTupleEnd() {
        Token t = peek();
        return t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.kind() == Kind.EOF
                || t.isOp(")") || t.isOp("]") || t.isOp("}") || t.isName("if") || t.isName("recursive");
    }

    private Expr parseExpression(boolean withCondexpr) {
        return withCondexpr ? parseCondexpr() : parseOr();
    }

    private Expr parseCondexpr() {
        Expr expr = parseOr();
        while (peek().isName("if")) {
            int line = next().line();
            Expr test = parseOr();
            Expr otherwise = acceptName("else") ? parseCondexpr() : null;
            expr = new Expr.Conditional(test, expr, otherwise, line);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (peek().isName("or")) {
            int line = next().line();
            left = new Expr.Or(left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (peek().isName("and")) {
            int line = next().line();
            left = new Expr.And(left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (peek().isName("not")) {
            int line = next().line();
            return new Expr.Not(parseNot(), line);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = peek().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OPERATOR && COMPARE_OPS.contains(t.value())) {
                next();
                ops.add(t.value());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                next();
                next();
                ops.add("notin");
            } else {
                break;
            }
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            left = new Expr.Binary(op.value(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        int line = peek().line();
        List<Expr> parts = new ArrayList<>();
        parts.add(parseMath2());
        while (acceptOp("~")) {
            parts.add(parseMath2());
        }
        return parts.size() == 1 ? parts.getFirst() : new Expr.Concat(parts, line);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            left = new Expr.Binary(op.value(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (peek().isOp("**")) {
            Token op = next();
            left = new Expr.Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = peek();
        Expr node;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            node = new Expr.Unary(t.value(), parseUnary(false), t.line());
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        if (withFilter) {
            node = parseFilterExpr(node);
        }
        return node;
    }

    private Expr parsePrimary() {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.value()) {
                    case "true", "True" -> new Expr.Literal(Boolean.TRUE, t.line());
                    case "false", "False" -> new Expr.Literal(Boolean.FALSE, t.line());
                    case "none", "None" -> new Expr.Literal(null, t.line());
                    default -> new Expr.Name(t.value(), t.line());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder(t.value());
                while (peek().kind() == Kind.STRING) { // "a" "b" is "ab", as in Python
                    sb.append(next().value());
                }
                return new Expr.Literal(MarkedString.trusted(sb.toString()), t.line());
            }
            case INTEGER -> {
                try {
                    return new Expr.Literal(Long.parseLong(t.value()), t.line());
                } catch (NumberFormatException e) {
                    throw error(t, "integer literal " + t.value() + " is too large");
                }
            }
            case FLOAT -> {
                return new Expr.Literal(Double.parseDouble(t.value()), t.line());
            }
            case OPERATOR -> {
                switch (t.value()) {
                    case "(" -> {
                        if (acceptOp(")")) {
                            return new Expr.TupleLiteral(List.of(), t.line());
                        }
                        Expr e = parseTuple(true);
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(parseExpression(true));
                        }
                        expectOp("]");
                        return new Expr.ListLiteral(items, t.line());
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(parseExpression(true));
                            expectOp(":");
                            values.add(parseExpression(true));
                        }
                        expectOp("}");
                        return new Expr.DictLiteral(keys, values, t.line());
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw error(t, "unexpected " + t.describe() + " in an expression");
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token attr = next();
                if (attr.kind() == Kind.NAME) {
                    node = new Expr.GetAttr(node, attr.value(), t.line());
                } else if (attr.kind() == Kind.INTEGER) {
                    node = new Expr.GetItem(node, new Expr.Literal(Long.parseLong(attr.value()), t.line()), t.line());
                } else {
                    throw error(attr, "expected an attribute name after '.' but found " + attr.describe());
                }
            } else if (t.isOp("[")) {
                next();
                node = parseSubscript(node, t);
                expectOp("]");
            } else if (t.isOp("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node, Token bracket) {
        Expr start = null;
        if (!peek().isOp(":")) {
            start = parseExpression(true);
            if (!peek().isOp(":")) {
                return new Expr.GetItem(node, start, bracket.line());
            }
        }
        expectOp(":");
        Expr stop = null;
        Expr step = null;
        if (!peek().isOp("]") && !peek().isOp(":")) {
            stop = parseExpression(true);
        }
        if (acceptOp(":") && !peek().isOp("]")) {
            step = parseExpression(true);
        }
        return new Expr.Slice(node, start, stop, step, bracket.line());
    }

    private Expr parseCall(Expr function) {
        int line = peek().line();
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        parseCallArgs(args, kwargs);
        return new Expr.Call(function, args, kwargs, line);
    }

    private void parseCallArgs(List<Expr> args, Map<String, Expr> kwargs) {
        expectOp("(");
        boolean first = true;
        while (!peek().isOp(")")) {
            if (!first) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            first = false;
            Token t = peek();
            if (t.isOp("*") || t.isOp("**")) {
                throw error(t, "*args and **kwargs in calls are not supported");
            }
            if (t.kind() == Kind.NAME && peek(1).isOp("=")) {
                next();
                next();
                kwargs.put(t.value(), parseExpression(true));
            } else {
                if (!kwargs.isEmpty()) {
                    throw error(t, "positional argument after keyword argument");
                }
                args.add(parseExpression(true));
            }
        }
        expectOp(")");
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                node = parseFilter(node);
            } else if (t.isName("is")) {
                node = parseTest(node);
            } else if (t.isOp("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseFilter(Expr value) {
        Token bar = next();
        return parseFilterNamed(value, bar);
    }

    private Expr parseFilterNamed(Expr value, Token at) {
        Token nameToken = peek();
        StringBuilder name = new StringBuilder(expectName());
        while (peek().isOp(".") && peek(1).kind() == Kind.NAME) {
            next();
            name.append('.').append(next().value());
        }
        if (!Filters.exists(name.toString())) {
            throw error(nameToken, "no filter named '" + name + "'");
        }
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        if (peek().isOp("(")) {
            parseCallArgs(args, kwargs);
        }
        return new Expr.Filter(value, name.toString(), args, kwargs, at.line());
    }

    private Expr parseTest(Expr value) {
        Token is = next();
        boolean negated = acceptName("not");
        Token nameToken = peek();
        String name = expectName();
        if (!IsTests.exists(name)) {
            throw error(nameToken, "no test named '" + name + "'");
        }
        List<Expr> args = new ArrayList<>();
        Token t = peek();
        if (t.isOp("(")) {
            Map<String, Expr> kwargs = new LinkedHashMap<>();
            parseCallArgs(args, kwargs);
            if (!kwargs.isEmpty()) {
                throw error(t, "tests take no keyword arguments");
            }
        } else if ((t.kind() == Kind.NAME || t.kind() == Kind.STRING || t.kind() == Kind.INTEGER
                        || t.kind() == Kind.FLOAT || t.isOp("[") || t.isOp("{"))
                && !(t.kind() == Kind.NAME && Set.of("else", "or", "and", "if", "in", "not", "is").contains(t.value()))) {
            // One argument without parentheses: {{ x is divisibleby 3 }}, {{ x is sameas none }}.
            args.add(parsePostfix(parsePrimary()));
        }
        return new Expr.Test(value, name, args, negated, is.line());
    }
}
