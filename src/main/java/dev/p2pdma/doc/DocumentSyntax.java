package dev.p2pdma.doc;

/** The two syntaxes a document is written in; both give the same {@link DocNode} tree. Immutable. */
public enum DocumentSyntax {
    /** YAML (one document, no anchors, aliases or tags). */
    YAML,
    /** JSON. */
    JSON
}
