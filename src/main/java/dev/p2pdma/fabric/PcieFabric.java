package dev.p2pdma.fabric;

import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaTranslation;
import dev.p2pdma.iommu.IommuDomain;
import dev.p2pdma.iommu.IommuFault;
import dev.p2pdma.iommu.IommuFaultReason;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Models how a PCIe fabric carries a device's memory read or write (PCIe base spec routing and
 * ACS, the root complex and its IOMMU), so that the bytes a DMA address reaches are decided by the
 * tree, not by the driver that mapped it.
 *
 * <p>The story of one request from requester R to address A (a PCI bus address):
 * <ol>
 *   <li>A names a peer BAR when it lies in a memory BAR's bus window (bus address = CPU address +
 *       the window's bus offset in {@link PhysicalMemory}); else it goes to the root complex.</li>
 *   <li>The request climbs from R. A switch forwards it down to a peer below another of its
 *       downstream ports, unless the downstream port it came in through has ACS P2P Request
 *       Redirect (RR) or Egress Control (EC) enabled: then it goes on up, as does any request for
 *       an address the switch does not hold.</li>
 *   <li>At the root complex the requester's IOMMU domain, when it has one, translates A page by page
 *       (an identity domain passes it through); a miss or a permission violation faults the whole
 *       request. Without an IOMMU, A is turned into a CPU address by the device's DMA ranges.</li>
 *   <li>The CPU address is RAM, or a peer BAR reached through the host bridge, which the root
 *       complex forwards only when {@link RootComplexPeerRouting} says it does; anything else is an
 *       unsupported request.</li>
 *   <li>A read's completion comes back the same way, except that a switch downstream port with ACS
 *       P2P Completion Redirect (CR) sends a peer's completion up through the root complex first
 *       (completions are not translated).</li>
 * </ol>
 * A function reaches its own BAR inside the device. A request for a sibling on the requester's own secondary bus (another function of a
 * multi-function device) is routed back down by the bridge above both unless that bridge's ACS
 * redirects it, the rule the kernel's decision applies to that bridge. A request completes whole or
 * changes nothing; every hop is recorded. Not modelled: ACS Egress Control's per-port vector (EC set
 * counts as "redirect everything").
 *
 * <p>Thread-safe as far as {@link PhysicalMemory} and the IOMMU domains are: concurrent DMA to the
 * same bytes races, as on hardware. The fabric is immutable apart from the set of removed
 * functions ({@link #remove}), which is concurrent.
 */
public final class PcieFabric {

    /** Where a request stands for the root complex in hops. */
    static final String ROOT_COMPLEX = "root complex";

    /** The PCI tree. */
    private final PciTopology topology;
    /** Memory and BAR windows with real bytes. */
    private final PhysicalMemory memory;
    /** Each requester's DMA device (its name and DMA ranges) and IOMMU translation, by topology index. */
    private final Map<Integer, Requester> requesters;
    /** Whether the root complex forwards a request from one function to another's BAR. */
    private final RootComplexPeerRouting rootComplex;
    /** Each function's address as text, by topology index. */
    private final String[] names;
    /** Each function's host bridge name, by topology index. */
    private final String[] hostBridgeNames;
    /** Each function's port type in words, by topology index. */
    private final String[] portLabels;
    /** Whether each function is a switch downstream port. */
    private final boolean[] isDownstreamPort;
    /** The ACS control bits each function has enabled (0 without a known ACS capability). */
    private final int[] acsControl;
    /** The memory BAR windows, for routing by address. */
    private final BarWindows windows;
    /** What a write returns as its data. */
    private static final byte[] NO_BYTES = new byte[0];
    /** Functions removed from the running machine (surprise removal): they neither complete nor issue requests. */
    private final Set<Integer> removed = ConcurrentHashMap.newKeySet();

    /**
     * Whether the root complex forwards a peer-to-peer request between two functions (by topology
     * index) that arrived at it: what the kernel's host-bridge rule describes for its platform.
     */
    @FunctionalInterface
    public interface RootComplexPeerRouting {
        /** True when the root complex completes a request from {@code requester} to a BAR of {@code target}. */
        boolean forwards(int requester, int target);
    }

    /**
     * A device that can master DMA.
     *
     * @param device its DMA device: its name in faults, its DMA ranges without an IOMMU
     * @param iommu  its group's IOMMU domain, empty when the IOMMU does not translate for it
     */
    public record Requester(DmaDevice device, Optional<DmaTranslation> iommu) {
    }

    private PcieFabric(PciTopology topology, PhysicalMemory memory, Map<Integer, Requester> requesters, RootComplexPeerRouting rootComplex) {
        this.topology = topology;
        this.memory = memory;
        this.requesters = Map.copyOf(requesters);
        this.rootComplex = rootComplex;
        int n = topology.size();
        this.names = new String[n];
        this.hostBridgeNames = new String[n];
        this.portLabels = new String[n];
        this.isDownstreamPort = new boolean[n];
        this.acsControl = new int[n];
        for (int i = 0; i < n; i++) {
            PciFunction f = topology.function(i);
            names[i] = f.address().toString();
            hostBridgeNames[i] = topology.hostBridgeOf(i).name();
            portLabels[i] = f.portType().label();
            isDownstreamPort[i] = f.portType() == PortType.DOWNSTREAM_PORT;
            acsControl[i] = f.acs() instanceof AcsState.Present p ? p.controlBits() : 0;
        }
        this.windows = BarWindows.of(topology, memory);
    }

    /** A fabric over {@code topology} and {@code memory}; add requesters with {@link Builder#requester}. */
    public static Builder builder(PciTopology topology, PhysicalMemory memory, RootComplexPeerRouting rootComplex) {
        return new Builder(topology, memory, rootComplex);
    }

    /** Collects requesters. Not thread-safe. */
    public static final class Builder {
        /** The PCI tree. */
        private final PciTopology topology;
        /** The memory. */
        private final PhysicalMemory memory;
        /** The root complex's peer routing. */
        private final RootComplexPeerRouting rootComplex;
        /** The requesters so far. */
        private final Map<Integer, Requester> requesters = new HashMap<>();

        private Builder(PciTopology topology, PhysicalMemory memory, RootComplexPeerRouting rootComplex) {
            this.topology = topology;
            this.memory = memory;
            this.rootComplex = rootComplex;
        }

        /**
         * Adds a requester: a PCI DMA device and its IOMMU translation, if any.
         *
         * @throws IllegalArgumentException when the device is not a function of the topology
         */
        public Builder requester(DmaDevice device, Optional<DmaTranslation> iommu) {
            if (!device.isPci() || device.pciIndex() < 0 || device.pciIndex() >= topology.size()) {
                throw new IllegalArgumentException(device.name() + " is not a PCI function of this topology");
            }
            requesters.put(device.pciIndex(), new Requester(device, iommu));
            return this;
        }

        /** The fabric. */
        public PcieFabric build() {
            return new PcieFabric(topology, memory, requesters, rootComplex);
        }
    }

    /** The device {@code requester} (a topology index) reads {@code lenBytes} at bus address {@code address}. */
    public FabricTransfer read(int requester, long address, int lenBytes) {
        if (lenBytes <= 0) {
            throw new IllegalArgumentException("read length must be positive: " + lenBytes);
        }
        return transfer(requester, address, lenBytes, DmaTranslation.Access.READ, null, 0);
    }

    /** The device {@code requester} (a topology index) writes {@code data} at bus address {@code address}. */
    public FabricTransfer write(int requester, long address, byte[] data) {
        return write(requester, address, data, 0, data.length);
    }

    /** The device {@code requester} writes {@code data[offset, offset + len)} at bus address {@code address}. */
    public FabricTransfer write(int requester, long address, byte[] data, int offset, int len) {
        if (len <= 0 || offset < 0 || offset > data.length - len) {
            throw new IllegalArgumentException("write of " + len + " bytes at " + offset + " of a " + data.length + "-byte buffer");
        }
        return transfer(requester, address, len, DmaTranslation.Access.WRITE, data, offset);
    }

    /**
     * Takes function {@code index} out of the fabric (the device is gone): requests for its BARs get
     * no completion (an unsupported request), and it issues none. Thread-safe.
     */
    public void remove(int index) {
        removed.add(index);
    }

    private FabricTransfer transfer(int requester, long address, int len, DmaTranslation.Access access, byte[] data, int offset) {
        Requester r = requesters.get(requester);
        if (r == null) {
            throw new IllegalArgumentException("function " + names[requester] + " is not a requester of this fabric");
        }
        if (removed.contains(requester)) {
            String reason = names[requester] + " was removed: it issues no requests";
            return new FabricTransfer.Failed(new FabricError.UnsupportedRequest(reason),
                    List.of(new FabricHop(names[requester], FabricHop.Step.UNSUPPORTED, address, len, reason)));
        }
        boolean read = access == DmaTranslation.Access.READ;
        List<FabricHop> hops = new ArrayList<>(8);
        hops.add(new FabricHop(names[requester], read ? FabricHop.Step.READ_REQUEST : FabricHop.Step.WRITE_REQUEST, address, len, ""));
        int window = windows.ofBus(address, len);
        int peer = window < 0 ? -1 : windows.owner(window);
        if (peer >= 0 && removed.contains(peer)) {
            String reason = names[peer] + " was removed: nothing completes a request for its BAR";
            hops.add(new FabricHop(names[peer], FabricHop.Step.UNSUPPORTED, address, len, reason));
            return new FabricTransfer.Failed(new FabricError.UnsupportedRequest(reason), hops);
        }
        if (peer == requester) {
            // its own BAR: the function reaches it inside the device, never on the link
            return completePeer(requester, peer, windows.busToCpu(window, address), len, read, data, offset, hops, requester);
        }
        int from = requester;
        while (true) {
            int port = topology.upstream(from);
            if (port < 0) {
                break;
            }
            hops.add(new FabricHop(names[port], FabricHop.Step.UP, address, len, portLabels[port]));
            // where the request would turn back down to the peer, and the ingress port whose ACS decides:
            // a sibling on the same secondary bus (another function of a multi-function device) turns
            // at the bridge above both; a peer below another downstream port of a switch at the switch
            int turn = -1;
            if (peer >= 0 && from == requester && peer != requester && topology.upstream(peer) == port) {
                turn = port;
            } else if (peer >= 0 && isDownstreamPort[port]) {
                int sw = topology.upstream(port);
                if (sw >= 0 && isBelow(peer, sw) && !isBelow(peer, port)) {
                    turn = sw;
                }
            }
            if (turn >= 0) {
                int acs = acsControl[port];
                if ((acs & (Acs.RR | Acs.EC)) == 0) {
                    return completePeer(requester, peer, windows.busToCpu(window, address), len, read, data, offset, hops, turn);
                }
                hops.add(new FabricHop(names[port], (acs & Acs.RR) != 0 ? FabricHop.Step.ACS_RR_REDIRECT : FabricHop.Step.ACS_EC_REDIRECT,
                        address, len, ""));
            }
            from = port;
        }
        return atRootComplex(r, requester, address, len, access, data, offset, hops);
    }

    /**
     * The request turns back down at {@code turn} (a switch, the bridge above two sibling functions,
     * or the device itself) to a peer's BAR; a read's completion may be redirected by CR.
     */
    private FabricTransfer completePeer(int requester, int target, long cpu, int len, boolean read, byte[] data, int offset, List<FabricHop> hops,
            int turn) {
        hops.add(new FabricHop(names[turn], FabricHop.Step.SWITCH_DOWN, cpu, len, names[target]));
        if (!memory.isBacked(cpu, len)) {
            String reason = String.format("no memory at CPU address 0x%x+%d in %s", cpu, len, names[target]);
            hops.add(new FabricHop(names[target], FabricHop.Step.UNSUPPORTED, cpu, len, reason));
            return new FabricTransfer.Failed(new FabricError.UnsupportedRequest(reason), hops);
        }
        byte[] out = NO_BYTES;
        if (read) {
            out = memory.read(cpu, len);
            hops.add(new FabricHop(names[target], FabricHop.Step.BAR_READ, cpu, len, ""));
            int targetPort = topology.upstream(target);
            if (targetPort >= 0 && (acsControl[targetPort] & Acs.CR) != 0) {
                hops.add(new FabricHop(names[targetPort], FabricHop.Step.ACS_CR_REDIRECT, cpu, len, ""));
            }
            hops.add(new FabricHop(names[requester], FabricHop.Step.COMPLETION, cpu, len, ""));
        } else {
            memory.write(cpu, data, offset, len);
            hops.add(new FabricHop(names[target], FabricHop.Step.BAR_WRITE, cpu, len, ""));
        }
        return new FabricTransfer.Completed(out, hops);
    }

    /** The root complex: IOMMU or DMA ranges, then RAM or a peer BAR through the host bridge. */
    private FabricTransfer atRootComplex(Requester r, int requester, long address, int len, DmaTranslation.Access access, byte[] data, int offset,
            List<FabricHop> hops) {
        boolean read = access == DmaTranslation.Access.READ;
        hops.add(new FabricHop(ROOT_COMPLEX, FabricHop.Step.ROOT_COMPLEX, address, len, hostBridgeNames[requester]));
        List<DmaTranslation.Piece> pieces;
        if (r.iommu().isPresent()) {
            DmaTranslation.Result t = r.iommu().get().translate(r.device(), address, len, access);
            if (t instanceof DmaTranslation.Faulted f) {
                hops.add(new FabricHop("IOMMU", FabricHop.Step.IOMMU_FAULT, f.dmaAddress(), len, ""));
                return new FabricTransfer.Failed(new FabricError.IommuFaulted(faultOf(r, f, access)), hops);
            }
            pieces = ((DmaTranslation.Mapped) t).pieces();
            hops.add(new FabricHop("IOMMU", FabricHop.Step.IOMMU_TRANSLATED, pieces.get(0).phys(), len,
                    pieces.size() == 1 ? String.format("0x%x+%d", pieces.get(0).phys(), len) : describe(pieces)));
        } else {
            long phys = r.device().dmaToPhys(address);
            if (phys == DmaMasks.INVALID_PHYS) {
                return unsupported(hops, String.format("%s: bus address 0x%x is outside its DMA ranges", r.device().name(), address));
            }
            pieces = List.of(new DmaTranslation.Piece(phys, len));
        }
        int[] owners = new int[pieces.size()];
        for (int i = 0; i < pieces.size(); i++) {
            DmaTranslation.Piece piece = pieces.get(i);
            owners[i] = -1;
            if (memory.isRam(piece.phys(), piece.lenBytes())) {
                continue;
            }
            int window = windows.ofCpu(piece.phys(), piece.lenBytes());
            if (window < 0 || !memory.isBacked(piece.phys(), piece.lenBytes())) {
                return unsupported(hops, String.format("no memory at CPU address 0x%x+%d", piece.phys(), piece.lenBytes()));
            }
            owners[i] = windows.owner(window);
            if (removed.contains(owners[i])) {
                return unsupported(hops, names[owners[i]] + " was removed: nothing completes a request for its BAR");
            }
            if (!rootComplex.forwards(requester, owners[i])) {
                return unsupported(hops, String.format("the root complex does not forward peer-to-peer from %s to %s", names[requester],
                        names[owners[i]]));
            }
        }
        byte[] out = read ? new byte[len] : NO_BYTES;
        int at = 0;
        for (int i = 0; i < pieces.size(); i++) {
            DmaTranslation.Piece piece = pieces.get(i);
            if (read) {
                memory.read(piece.phys(), out, at, piece.lenBytes());
            } else {
                memory.write(piece.phys(), data, offset + at, piece.lenBytes());
            }
            FabricHop.Step step = owners[i] < 0 ? (read ? FabricHop.Step.RAM_READ : FabricHop.Step.RAM_WRITE)
                    : read ? FabricHop.Step.HOST_BRIDGE_BAR_READ : FabricHop.Step.HOST_BRIDGE_BAR_WRITE;
            hops.add(new FabricHop(owners[i] < 0 ? "RAM" : names[owners[i]], step, piece.phys(), piece.lenBytes(), ""));
            at += piece.lenBytes();
        }
        if (read) {
            hops.add(new FabricHop(names[requester], FabricHop.Step.COMPLETION, address, len, ""));
        }
        return new FabricTransfer.Completed(out, hops);
    }

    private static FabricTransfer unsupported(List<FabricHop> hops, String reason) {
        hops.add(new FabricHop(ROOT_COMPLEX, FabricHop.Step.UNSUPPORTED, 0, 0, reason));
        return new FabricTransfer.Failed(new FabricError.UnsupportedRequest(reason), hops);
    }

    /** The newest fault the domain recorded for this access, or one made from the translation's answer. */
    private static IommuFault faultOf(Requester r, DmaTranslation.Faulted f, DmaTranslation.Access access) {
        if (r.iommu().get() instanceof IommuDomain d && !d.faults().isEmpty()) {
            return d.faults().get(d.faults().size() - 1);
        }
        return new IommuFault(r.device().name(), f.dmaAddress(), access, IommuFaultReason.NOT_PRESENT);
    }

    /** Whether {@code function} sits below bridge {@code bridge} (on its secondary side, at any depth). */
    private boolean isBelow(int function, int bridge) {
        for (int x = topology.upstream(function); x >= 0; x = topology.upstream(x)) {
            if (x == bridge) {
                return true;
            }
        }
        return false;
    }

    private static String describe(List<DmaTranslation.Piece> pieces) {
        StringBuilder b = new StringBuilder();
        for (DmaTranslation.Piece p : pieces) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append(String.format("0x%x+%d", p.phys(), p.lenBytes()));
        }
        return b.toString();
    }
}
