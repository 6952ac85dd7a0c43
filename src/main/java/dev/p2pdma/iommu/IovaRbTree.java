package dev.p2pdma.iommu;

import java.util.function.Consumer;

/**
 * The red-black tree of IOVA ranges ({@code lib/rbtree.c} as {@code drivers/iommu/iova.c} uses
 * it): nodes ordered by {@code pfnLo} (unsigned), with parent links, so that predecessor and
 * successor of a node are found from the node itself in O(1) amortised steps, and erasing a node
 * relinks its successor in its place (node identities never change, which the cached-node pointers
 * of {@link IovaDomain} rely on).
 *
 * <p>Invariants: binary-search order by unsigned {@code pfnLo}; the root is black; a red node has
 * no red child; every root-to-null path has the same number of black nodes; {@code parent} links
 * agree with the child links; {@code linked} is true exactly for nodes in the tree. Not
 * thread-safe: the owning {@link IovaDomain} calls it under its tree lock.
 */
final class IovaRbTree {

    /** The root, or null for an empty tree. */
    private IovaNode root;

    /** The root, or null. */
    IovaNode root() {
        return root;
    }

    /** Models rb_first(): the lowest node, or null. */
    IovaNode first() {
        IovaNode n = root;
        if (n == null) {
            return null;
        }
        while (n.left != null) {
            n = n.left;
        }
        return n;
    }

    /** Models rb_next(): the successor of a linked node, or null for the highest. */
    static IovaNode next(IovaNode n) {
        if (n.right != null) {
            n = n.right;
            while (n.left != null) {
                n = n.left;
            }
            return n;
        }
        IovaNode p = n.parent;
        while (p != null && n == p.right) {
            n = p;
            p = n.parent;
        }
        return p;
    }

    /** Models rb_prev(): the predecessor of a linked node, or null for the lowest. */
    static IovaNode prev(IovaNode n) {
        if (n.left != null) {
            n = n.left;
            while (n.right != null) {
                n = n.right;
            }
            return n;
        }
        IovaNode p = n.parent;
        while (p != null && n == p.left) {
            n = p;
            p = n.parent;
        }
        return p;
    }

    /**
     * Models iova_insert_rbtree() with no start node: descends from the root by unsigned
     * {@code pfnLo} and links the node as a leaf. A node whose {@code pfnLo} is already in the tree
     * is not inserted (the kernel warns and drops it).
     *
     * @return whether the node was inserted
     */
    boolean insert(IovaNode node) {
        IovaNode parent = null;
        IovaNode cur = root;
        boolean left = false;
        while (cur != null) {
            parent = cur;
            int c = Long.compareUnsigned(node.pfnLo, cur.pfnLo);
            if (c < 0) {
                cur = cur.left;
                left = true;
            } else if (c > 0) {
                cur = cur.right;
                left = false;
            } else {
                return false;
            }
        }
        link(node, parent, left);
        return true;
    }

    /**
     * Models iova_insert_rbtree() starting from {@code above}: inserts a node that sorts between
     * {@code below} (the predecessor of {@code above}, or null) and {@code above}. Descending from
     * {@code above} ends at its free left link or, when it has a left subtree, at the free right
     * link of that subtree's highest node, which is {@code below}: the same leaf a descent from
     * the root reaches, found in O(1).
     */
    void insertBetween(IovaNode node, IovaNode below, IovaNode above) {
        if (above.left == null) {
            link(node, above, true);
        } else {
            link(node, below, false);
        }
    }

    /** Models rb_link_node() + rb_insert_color(): links a red leaf and restores the colour rules. */
    private void link(IovaNode node, IovaNode parent, boolean asLeft) {
        node.parent = parent;
        node.left = null;
        node.right = null;
        node.red = true;
        node.linked = true;
        if (parent == null) {
            root = node;
        } else if (asLeft) {
            parent.left = node;
        } else {
            parent.right = node;
        }
        insertFixup(node);
    }

    /** The insert rebalance: recolour up the tree, then at most two rotations. */
    private void insertFixup(IovaNode z) {
        while (z.parent != null && z.parent.red) {
            IovaNode p = z.parent;
            IovaNode g = p.parent;
            if (p == g.left) {
                IovaNode u = g.right;
                if (u != null && u.red) {
                    p.red = false;
                    u.red = false;
                    g.red = true;
                    z = g;
                } else {
                    if (z == p.right) {
                        z = p;
                        rotateLeft(z);
                        p = z.parent;
                    }
                    p.red = false;
                    g.red = true;
                    rotateRight(g);
                }
            } else {
                IovaNode u = g.left;
                if (u != null && u.red) {
                    p.red = false;
                    u.red = false;
                    g.red = true;
                    z = g;
                } else {
                    if (z == p.left) {
                        z = p;
                        rotateRight(z);
                        p = z.parent;
                    }
                    p.red = false;
                    g.red = true;
                    rotateLeft(g);
                }
            }
        }
        root.red = false;
    }

    /** Models rb_erase(): unlinks a linked node, moving its successor into its place when it has two children. */
    void erase(IovaNode z) {
        IovaNode x;
        IovaNode xParent;
        boolean removedRed;
        if (z.left == null) {
            x = z.right;
            xParent = z.parent;
            removedRed = z.red;
            transplant(z, z.right);
        } else if (z.right == null) {
            x = z.left;
            xParent = z.parent;
            removedRed = z.red;
            transplant(z, z.left);
        } else {
            IovaNode y = z.right;
            while (y.left != null) {
                y = y.left;
            }
            removedRed = y.red;
            x = y.right;
            if (y.parent == z) {
                xParent = y;
            } else {
                xParent = y.parent;
                transplant(y, y.right);
                y.right = z.right;
                y.right.parent = y;
            }
            transplant(z, y);
            y.left = z.left;
            y.left.parent = y;
            y.red = z.red;
        }
        if (!removedRed) {
            eraseFixup(x, xParent);
        }
        z.parent = null;
        z.left = null;
        z.right = null;
        z.linked = false;
    }

    /** Puts {@code v} (maybe null) where {@code u} hangs from its parent. */
    private void transplant(IovaNode u, IovaNode v) {
        IovaNode p = u.parent;
        if (p == null) {
            root = v;
        } else if (u == p.left) {
            p.left = v;
        } else {
            p.right = v;
        }
        if (v != null) {
            v.parent = p;
        }
    }

    /** The erase rebalance for a removed black node; {@code x} (maybe null) carries the extra black. */
    private void eraseFixup(IovaNode x, IovaNode parent) {
        while (x != root && !isRed(x)) {
            if (x == parent.left) {
                IovaNode w = parent.right;
                if (w.red) {
                    w.red = false;
                    parent.red = true;
                    rotateLeft(parent);
                    w = parent.right;
                }
                if (!isRed(w.left) && !isRed(w.right)) {
                    w.red = true;
                    x = parent;
                    parent = x.parent;
                } else {
                    if (!isRed(w.right)) {
                        w.left.red = false;
                        w.red = true;
                        rotateRight(w);
                        w = parent.right;
                    }
                    w.red = parent.red;
                    parent.red = false;
                    w.right.red = false;
                    rotateLeft(parent);
                    x = root;
                    parent = null;
                }
            } else {
                IovaNode w = parent.left;
                if (w.red) {
                    w.red = false;
                    parent.red = true;
                    rotateRight(parent);
                    w = parent.left;
                }
                if (!isRed(w.left) && !isRed(w.right)) {
                    w.red = true;
                    x = parent;
                    parent = x.parent;
                } else {
                    if (!isRed(w.left)) {
                        w.right.red = false;
                        w.red = true;
                        rotateLeft(w);
                        w = parent.left;
                    }
                    w.red = parent.red;
                    parent.red = false;
                    w.left.red = false;
                    rotateRight(parent);
                    x = root;
                    parent = null;
                }
            }
        }
        if (x != null) {
            x.red = false;
        }
    }

    /** Whether a node (null counts as black) is red. */
    private static boolean isRed(IovaNode n) {
        return n != null && n.red;
    }

    /** Left rotation around {@code x}. */
    private void rotateLeft(IovaNode x) {
        IovaNode y = x.right;
        x.right = y.left;
        if (y.left != null) {
            y.left.parent = x;
        }
        transplant(x, y);
        y.left = x;
        x.parent = y;
    }

    /** Right rotation around {@code x}. */
    private void rotateRight(IovaNode x) {
        IovaNode y = x.left;
        x.left = y.right;
        if (y.right != null) {
            y.right.parent = x;
        }
        transplant(x, y);
        y.right = x;
        x.parent = y;
    }

    /** Models private_find_iova(): the node whose range holds {@code pfn}, or null. */
    IovaNode find(long pfn) {
        IovaNode n = root;
        while (n != null) {
            if (Long.compareUnsigned(pfn, n.pfnLo) < 0) {
                n = n.left;
            } else if (Long.compareUnsigned(pfn, n.pfnHi) > 0) {
                n = n.right;
            } else {
                return n;
            }
        }
        return null;
    }

    /**
     * Models the tree walk of iova_find_limit(): from the root, right past nodes ending below
     * {@code limitPfn}, then down-left to the lowest node found this way whose {@code pfnLo} is at
     * least {@code limitPfn}. The tree must hold a node ending at or above the limit (the anchor).
     */
    IovaNode findLimit(long limitPfn) {
        IovaNode node = root;
        while (Long.compareUnsigned(node.pfnHi, limitPfn) < 0) {
            node = node.right;
        }
        searchLeft:
        while (true) {
            while (node.left != null && Long.compareUnsigned(node.left.pfnLo, limitPfn) >= 0) {
                node = node.left;
            }
            if (node.left == null) {
                return node;
            }
            IovaNode next = node.left;
            while (next.right != null) {
                next = next.right;
                if (Long.compareUnsigned(next.pfnLo, limitPfn) >= 0) {
                    node = next;
                    continue searchLeft;
                }
            }
            return node;
        }
    }

    /** Models rbtree_postorder_for_each_entry_safe(): visits every node in order, low to high. */
    void forEach(Consumer<IovaNode> visitor) {
        for (IovaNode n = first(); n != null; n = next(n)) {
            visitor.accept(n);
        }
    }

    /** Forgets every node (put_iova_domain()); the nodes are left as they were. */
    void clear() {
        root = null;
    }

    /**
     * Checks every invariant of the class (tests only).
     *
     * @return the number of nodes
     * @throws IllegalStateException naming the first broken rule
     */
    int checkInvariants() {
        if (root == null) {
            return 0;
        }
        if (root.red || root.parent != null) {
            throw new IllegalStateException("root is red or has a parent");
        }
        int[] count = new int[1];
        blackHeight(root, count);
        IovaNode prevNode = null;
        for (IovaNode n = first(); n != null; n = next(n)) {
            if (!n.linked) {
                throw new IllegalStateException("node in the tree not marked linked: " + n.toIova());
            }
            if (prevNode != null && Long.compareUnsigned(prevNode.pfnLo, n.pfnLo) >= 0) {
                throw new IllegalStateException("order broken at " + n.toIova());
            }
            prevNode = n;
        }
        return count[0];
    }

    /** The black height of a subtree, checking colours and parent links on the way. */
    private static int blackHeight(IovaNode n, int[] count) {
        if (n == null) {
            return 1;
        }
        count[0]++;
        if (n.left != null && n.left.parent != n || n.right != null && n.right.parent != n) {
            throw new IllegalStateException("parent link broken under " + n.toIova());
        }
        if (n.red && (isRed(n.left) || isRed(n.right))) {
            throw new IllegalStateException("red node with a red child: " + n.toIova());
        }
        int l = blackHeight(n.left, count);
        int r = blackHeight(n.right, count);
        if (l != r) {
            throw new IllegalStateException("black heights differ under " + n.toIova());
        }
        return l + (n.red ? 0 : 1);
    }
}
