/// Graphviz DOT text of the graph behind tensors (`torch.viz.dot`).
///
/// The picture reads like the forward computation, as torchviz draws PyTorch graphs: an arrow
/// goes from the node that made a value to the node that used it, so leaves sit at the top and
/// the root tensor at the bottom. Each grad_fn is one box labelled with its name; a leaf's
/// `AccumulateGrad` box also shows the leaf's shape and that it requires grad; the root is a box
/// with its shape. Node ids follow discovery order (roots first, then breadth-first along
/// `Node.edges`), so the same graph always gives the same text.
public enum GraphDot {
    /// The DOT text of the graph behind `root`.
    public static func dot(for root: Tensor) -> String {
        dot(for: [root])
    }

    /// The DOT text of the graph behind `roots`, drawn together (shared nodes appear once).
    public static func dot(for roots: [Tensor]) -> String {
        var lines = [
            "digraph autograd {",
            "  node [shape=box, style=\"rounded,filled\", fillcolor=lightgrey, fontname=\"Helvetica\", fontsize=11];",
        ]
        var ids: [ObjectIdentifier: String] = [:]
        var queue: [Node] = []
        var edges: [String] = []

        /// The id of `node`, declaring it (and queueing it for its own edges) when first seen.
        func id(of node: Node) -> String {
            let key = ObjectIdentifier(node)
            if let known = ids[key] { return known }
            let name = "n\(ids.count + 1)"
            ids[key] = name
            queue.append(node)
            lines.append("  \(name) [\(attributes(of: node))];")
            return name
        }

        for (k, root) in roots.enumerated() {
            let name = "t\(k + 1)"
            lines.append("  \(name) [label=\(quoted("tensor \(shapeText(root.shape))")), fillcolor=darkolivegreen1];")
            if let node = root.gradientEdge()?.node {
                edges.append("  \(id(of: node)) -> \(name);")
            }
        }
        var cursor = 0
        while cursor < queue.count {
            let node = queue[cursor]
            cursor += 1
            let target = ids[ObjectIdentifier(node)] ?? ""
            for edge in node.edges {
                guard let next = edge.node else { continue }
                edges.append("  \(id(of: next)) -> \(target);")
            }
        }
        return (lines + edges + ["}"]).joined(separator: "\n") + "\n"
    }

    // MARK: - Labels

    private static func attributes(of node: Node) -> String {
        if let leaf = node as? AccumulateGrad {
            return "label=\(quoted("AccumulateGrad\nleaf \(shapeText(leaf.shape))\nrequires_grad")), fillcolor=lightblue"
        }
        return "label=\(quoted(node.name))"
    }

    /// A shape as torchviz writes it: `(2, 3)`, `(3)`, `()`.
    static func shapeText(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// A DOT string literal (custom function names come from scripts: escape them).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for ch in text {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out + "\""
    }
}
