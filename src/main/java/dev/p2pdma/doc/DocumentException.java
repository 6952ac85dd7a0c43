package dev.p2pdma.doc;

/**
 * A document that cannot be read as what it should be: its one-line message names the file, the
 * line and the key. Readers of a kind of file turn it into their own bad-input error at their
 * boundary. Immutable once thrown.
 */
public final class DocumentException extends Exception {

    /** For serialisation, which nothing here uses. */
    private static final long serialVersionUID = 1L;

    /** An error whose message already names the file, line and key. */
    public DocumentException(String message) {
        super(message);
    }
}
