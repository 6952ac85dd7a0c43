package dev.p2pdma.pci.io;

/**
 * Bad input to an importer: a missing path, a file of the wrong kind, truncated or hostile
 * content. The message is one line that names the file (and line or device) and what is wrong;
 * the CLI prints it as it is and exits with status 2.
 */
public final class ImportException extends Exception {

    /** Serialization version of this exception. */
    private static final long serialVersionUID = 1L;

    public ImportException(String message) {
        super(message);
    }

    public ImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
