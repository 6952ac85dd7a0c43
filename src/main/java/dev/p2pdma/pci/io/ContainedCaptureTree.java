package dev.p2pdma.pci.io;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.p2pdma.doc.Texts;

/**
 * A captured tree whose symbolic links are resolved here, component by component, relative to the
 * capture root: nothing outside the capture is ever read.
 *
 * <p>Invariants: every canonical path this class hands out names an entry inside the capture and
 * contains no symbolic link, {@code .} or {@code ..}. A link whose target is absolute or climbs
 * above the capture root, or a chain of more than {@value #MAX_LINK_HOPS} links, is an
 * {@link ImportException} naming the link. Not thread-safe.
 */
abstract sealed class ContainedCaptureTree implements CaptureTree permits DirectoryCaptureTree, TarCaptureTree {

    /** The most links followed while resolving one path (as Linux's MAXSYMLINKS). */
    static final int MAX_LINK_HOPS = 40;

    /** What kind of entry a path names, without following a link there. */
    enum Kind {
        /** A directory. */
        DIRECTORY,
        /** A regular file. */
        REGULAR,
        /** A symbolic link. */
        SYMLINK,
        /** Anything else (device, FIFO, socket): never read. */
        OTHER
    }

    /**
     * One entry as {@code lstat} sees it.
     *
     * @param kind       its kind
     * @param linkTarget the stored target for a symbolic link, empty text otherwise
     */
    record Node(Kind kind, String linkTarget) {
        /** A directory node. */
        static final Node DIRECTORY = new Node(Kind.DIRECTORY, "");
        /** A regular-file node. */
        static final Node REGULAR = new Node(Kind.REGULAR, "");
        /** A node of another kind. */
        static final Node OTHER = new Node(Kind.OTHER, "");

        /** A link node. */
        static Node link(String target) {
            return new Node(Kind.SYMLINK, target);
        }
    }

    /** Canonical directory for each directory path asked for, or empty when there is none. */
    private final Map<String, Optional<String>> resolvedDirectories = new HashMap<>();

    /** The entry at a canonical path, not following a link there; empty when nothing is there. */
    protected abstract Optional<Node> lstat(String canonical) throws ImportException;

    /** The bytes of the regular file at a canonical path. */
    protected abstract byte[] readRegular(String canonical) throws ImportException;

    /** The names in the directory at a canonical path, sorted. */
    protected abstract List<String> listDirectory(String canonical) throws ImportException;

    @Override
    public Optional<String> resolve(String path) throws ImportException {
        return walk(path, true);
    }

    @Override
    public Optional<byte[]> read(String path) throws ImportException {
        Optional<String> canonical = resolveLeaf(path, true);
        if (canonical.isEmpty()) {
            return Optional.empty();
        }
        Node node = lstat(canonical.get()).orElseThrow();
        if (node.kind() != Kind.REGULAR) {
            throw new ImportException(describe(path) + ": expected a regular file, found "
                    + (node.kind() == Kind.DIRECTORY ? "a directory" : "a special file"));
        }
        return Optional.of(readRegular(canonical.get()));
    }

    @Override
    public Optional<String> readLink(String path) throws ImportException {
        Optional<String> canonical = resolveLeaf(path, false);
        if (canonical.isEmpty()) {
            return Optional.empty();
        }
        Node node = lstat(canonical.get()).orElseThrow();
        if (node.kind() != Kind.SYMLINK) {
            return Optional.empty();
        }
        checkTarget(canonical.get(), node.linkTarget());
        return Optional.of(node.linkTarget());
    }

    @Override
    public Optional<List<String>> list(String dir) throws ImportException {
        Optional<String> canonical = directory(dir);
        if (canonical.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(listDirectory(canonical.get()));
    }

    @Override
    public boolean isDirectory(String path) throws ImportException {
        return directory(path).isPresent();
    }

    /**
     * Checks a link's stored target without following it: it must be relative and stay inside
     * the capture when read from the link's own directory.
     */
    final void checkTarget(String linkCanonical, String target) throws ImportException {
        if (target.isEmpty()) {
            throw new ImportException(describe(linkCanonical) + ": symbolic link with an empty target");
        }
        if (target.startsWith("/")) {
            throw new ImportException(describe(linkCanonical) + ": symbolic link has an absolute target '"
                    + Texts.path(target) + "'; a capture must only hold relative links");
        }
        int depth = componentCount(linkCanonical) - 1;
        for (String c : target.split("/")) {
            if (c.equals("..")) {
                if (--depth < 0) {
                    throw escape(linkCanonical, target);
                }
            } else if (!c.isEmpty() && !c.equals(".")) {
                depth++;
            }
        }
    }

    /** Canonical path of a directory, cached; empty when {@code path} is not a directory. */
    private Optional<String> directory(String path) throws ImportException {
        Optional<String> cached = resolvedDirectories.get(path);
        if (cached != null) {
            return cached;
        }
        Optional<String> canonical = walk(path, true);
        if (canonical.isPresent() && lstat(canonical.get()).orElseThrow().kind() != Kind.DIRECTORY) {
            canonical = Optional.empty();
        }
        resolvedDirectories.put(path, canonical);
        return canonical;
    }

    /**
     * Resolves the directory above {@code path} through the cache, then its last component,
     * following a link there only when {@code followLast}.
     */
    private Optional<String> resolveLeaf(String path, boolean followLast) throws ImportException {
        int slash = path.lastIndexOf('/');
        String name = path.substring(slash + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return walk(path, followLast);
        }
        String parent;
        if (slash < 0) {
            parent = "";
        } else {
            Optional<String> p = directory(path.substring(0, slash));
            if (p.isEmpty()) {
                return Optional.empty();
            }
            parent = p.get();
        }
        String leaf = parent.isEmpty() ? name : parent + "/" + name;
        Optional<Node> node = lstat(leaf);
        if (node.isEmpty()) {
            return Optional.empty();
        }
        if (node.get().kind() == Kind.SYMLINK && followLast) {
            return walk(leaf, true);
        }
        return Optional.of(leaf);
    }

    /** Walks {@code path} component by component from the capture root. */
    private Optional<String> walk(String path, boolean followLast) throws ImportException {
        Deque<String> todo = new ArrayDeque<>(List.of(path.split("/")));
        List<String> done = new ArrayList<>();
        String lastLink = "";
        int hops = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (done.isEmpty()) {
                    throw lastLink.isEmpty()
                            ? new ImportException(describe(path) + ": path climbs above the capture root")
                            : escape(lastLink, lstat(lastLink).map(Node::linkTarget).orElse(""));
                }
                done.remove(done.size() - 1);
                continue;
            }
            done.add(c);
            String current = String.join("/", done);
            Optional<Node> node = lstat(current);
            if (node.isEmpty()) {
                return Optional.empty();
            }
            boolean more = hasComponent(todo);
            Node n = node.get();
            if (n.kind() == Kind.SYMLINK && (followLast || more)) {
                if (++hops > MAX_LINK_HOPS) {
                    throw new ImportException(describe(current) + ": symbolic link loop (more than "
                            + MAX_LINK_HOPS + " links followed resolving " + path + ")");
                }
                checkTarget(current, n.linkTarget());
                lastLink = current;
                done.remove(done.size() - 1);
                String[] target = n.linkTarget().split("/");
                for (int i = target.length - 1; i >= 0; i--) {
                    todo.addFirst(target[i]);
                }
            } else if (n.kind() != Kind.DIRECTORY && more) {
                return Optional.empty();
            }
        }
        return Optional.of(String.join("/", done));
    }

    /** True when a queue of path components still names something beyond "." and empty ones. */
    private static boolean hasComponent(Deque<String> todo) {
        for (String t : todo) {
            if (!t.isEmpty() && !t.equals(".")) {
                return true;
            }
        }
        return false;
    }

    private ImportException escape(String linkCanonical, String target) {
        return new ImportException(describe(linkCanonical) + ": symbolic link target '" + Texts.path(target)
                + "' leads outside the capture");
    }

    private static int componentCount(String canonical) {
        int n = canonical.isEmpty() ? 0 : 1;
        for (int i = 0; i < canonical.length(); i++) {
            if (canonical.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }
}
