package dev.p2pdma.fabric;

import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaTranslation;
import dev.p2pdma.iommu.IommuFault;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

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
 * A request completes whole or changes nothing; every hop is recorded. Not modelled: routing
 * inside a multi-function device (a request for a sibling function's BAR goes up like any other)
 * and ACS Egress Control's per-port vector (EC set counts as "redirect everything").
 *
 * <p>Thread-safe as far as {@link PhysicalMemory} and the IOMMU domains are: concurrent DMA to the
 * same bytes races, as on hardware. The fabric itself is immutable.
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
        return transfer(requester, address, lenBytes, DmaTranslation.Access.READ, new byte[0]);
    }

    /** The device {@code requester} (a topology index) writes {@code data} at bus address {@code address}. */
    public FabricTransfer write(int requester, long address, byte[] data) {
        if (data.length == 0) {
            throw new IllegalArgumentException("write length must be positive");
        }
        return transfer(requester, address, data.length, DmaTranslation.Access.WRITE, data.clone());
    }

    private FabricTransfer transfer(int requester, long address, int len, DmaTranslation.Access access, byte[] data) {
        Requester r = requesters.get(requester);
        if (r == null) {
            throw new IllegalArgumentException("function " + topology.function(requester).address() + " is not a requester of this fabric");
        }
        List<FabricHop> hops = new ArrayList<>();
        hops.add(new FabricHop(name(requester), (access == DmaTranslation.Access.READ ? "memory read" : "memory write")
                + String.format(" of %d bytes at bus address 0x%x", len, address)));
        OptionalInt peer = barOwnerOfBus(address, len);
        int from = requester;
        while (true) {
            int port = topology.upstream(from);
            if (port < 0) {
                break;
            }
            PciFunction p = topology.function(port);
            hops.add(new FabricHop(name(port), "up through the " + p.portType().label()));
            if (peer.isPresent() && p.portType() == PortType.DOWNSTREAM_PORT) {
                int sw = topology.upstream(port);
                int target = peer.getAsInt();
                if (sw >= 0 && isBelow(target, sw) && !isBelow(target, port)) {
                    int acs = acsControl(p);
                    if ((acs & (Acs.RR | Acs.EC)) != 0) {
                        hops.add(new FabricHop(name(port), "ACS " + ((acs & Acs.RR) != 0 ? "RR" : "EC") + " set: request redirected upstream"));
                    } else {
                        return completePeer(requester, target, address, len, access, data, hops, sw);
                    }
                }
            }
            from = port;
        }
        return atRootComplex(r, requester, address, len, access, data, hops);
    }

    /** A switch routes the request down to a peer below it; a read's completion may be redirected by CR. */
    private FabricTransfer completePeer(int requester, int target, long address, int len, DmaTranslation.Access access, byte[] data,
            List<FabricHop> hops, int switchUpstream) {
        hops.add(new FabricHop(name(switchUpstream), "switch routes the request down to " + name(target)));
        long cpu = busToCpu(address);
        if (!memory.isBacked(cpu, len)) {
            hops.add(new FabricHop(name(target), "unsupported request: nothing backs CPU address 0x" + Long.toHexString(cpu)));
            return new FabricTransfer.Failed(new FabricError.UnsupportedRequest(String.format("no memory at CPU address 0x%x+%d in %s", cpu, len,
                    name(target))), hops);
        }
        byte[] out = move(cpu, len, access, data);
        hops.add(new FabricHop(name(target), String.format("%s BAR at CPU address 0x%x", access == DmaTranslation.Access.READ ? "read from" : "written to", cpu)));
        if (access == DmaTranslation.Access.READ) {
            int targetPort = topology.upstream(target);
            if (targetPort >= 0 && (acsControl(topology.function(targetPort)) & Acs.CR) != 0) {
                hops.add(new FabricHop(name(targetPort), "ACS CR set: completion redirected up through the root complex"));
            }
            hops.add(new FabricHop(name(requester), "completion received"));
        }
        return new FabricTransfer.Completed(out, hops);
    }

    /** The root complex: IOMMU or DMA ranges, then RAM or a peer BAR through the host bridge. */
    private FabricTransfer atRootComplex(Requester r, int requester, long address, int len, DmaTranslation.Access access, byte[] data,
            List<FabricHop> hops) {
        hops.add(new FabricHop(ROOT_COMPLEX, "request arrives from " + topology.hostBridgeOf(requester).name()));
        List<DmaTranslation.Piece> pieces;
        if (r.iommu().isPresent()) {
            DmaTranslation.Result t = r.iommu().get().translate(r.device(), address, len, access);
            if (t instanceof DmaTranslation.Faulted f) {
                hops.add(new FabricHop("IOMMU", "fault at 0x" + Long.toHexString(f.dmaAddress()) + ": the request is dropped"));
                return new FabricTransfer.Failed(new FabricError.IommuFaulted(faultOf(r, f, access)), hops);
            }
            pieces = ((DmaTranslation.Mapped) t).pieces();
            hops.add(new FabricHop("IOMMU", "translated to " + describe(pieces)));
        } else {
            long phys = r.device().dmaToPhys(address);
            if (phys == DmaMasks.INVALID_PHYS) {
                return unsupported(hops, String.format("%s: bus address 0x%x is outside its DMA ranges", r.device().name(), address));
            }
            pieces = List.of(new DmaTranslation.Piece(phys, len));
        }
        for (DmaTranslation.Piece piece : pieces) {
            if (memory.isRam(piece.phys(), piece.lenBytes())) {
                continue;
            }
            OptionalInt owner = barOwnerOfCpu(piece.phys(), piece.lenBytes());
            if (owner.isEmpty() || !memory.isBacked(piece.phys(), piece.lenBytes())) {
                return unsupported(hops, String.format("no memory at CPU address 0x%x+%d", piece.phys(), piece.lenBytes()));
            }
            if (!rootComplex.forwards(requester, owner.getAsInt())) {
                return unsupported(hops, String.format("the root complex does not forward peer-to-peer from %s to %s", name(requester),
                        name(owner.getAsInt())));
            }
        }
        byte[] out = new byte[access == DmaTranslation.Access.READ ? len : 0];
        int at = 0;
        for (DmaTranslation.Piece piece : pieces) {
            byte[] part = move(piece.phys(), piece.lenBytes(), access, access == DmaTranslation.Access.WRITE ? slice(data, at, piece.lenBytes()) : null);
            if (access == DmaTranslation.Access.READ) {
                System.arraycopy(part, 0, out, at, part.length);
            }
            OptionalInt owner = barOwnerOfCpu(piece.phys(), piece.lenBytes());
            hops.add(new FabricHop(owner.isPresent() ? name(owner.getAsInt()) : "RAM",
                    String.format("%s 0x%x+%d%s", access == DmaTranslation.Access.READ ? "read" : "written", piece.phys(), piece.lenBytes(),
                            owner.isPresent() ? " (BAR, down through the host bridge)" : "")));
            at += piece.lenBytes();
        }
        if (access == DmaTranslation.Access.READ) {
            hops.add(new FabricHop(name(requester), "completion received"));
        }
        return new FabricTransfer.Completed(out, hops);
    }

    private static FabricTransfer unsupported(List<FabricHop> hops, String reason) {
        hops.add(new FabricHop(ROOT_COMPLEX, "unsupported request: " + reason));
        return new FabricTransfer.Failed(new FabricError.UnsupportedRequest(reason), hops);
    }

    /** The newest fault the domain recorded for this access, or one made from the translation's answer. */
    private static IommuFault faultOf(Requester r, DmaTranslation.Faulted f, DmaTranslation.Access access) {
        if (r.iommu().get() instanceof dev.p2pdma.iommu.IommuDomain d && !d.faults().isEmpty()) {
            return d.faults().get(d.faults().size() - 1);
        }
        return new IommuFault(r.device().name(), f.dmaAddress(), access, dev.p2pdma.iommu.IommuFaultReason.NOT_PRESENT);
    }

    /** Reads {@code len} bytes at {@code cpu}, or writes {@code data} there; returns what was read. */
    private byte[] move(long cpu, int len, DmaTranslation.Access access, byte[] data) {
        if (access == DmaTranslation.Access.READ) {
            return memory.read(cpu, len);
        }
        memory.write(cpu, data, 0, len);
        return new byte[0];
    }

    private static byte[] slice(byte[] data, int from, int len) {
        byte[] out = new byte[len];
        System.arraycopy(data, from, out, 0, len);
        return out;
    }

    /** The function whose memory BAR holds {@code [bus, bus + len)} in its bus window, if one does. */
    private OptionalInt barOwnerOfBus(long bus, int len) {
        for (PhysicalMemory.Region region : memory.regions()) {
            if (region.kind() == PhysicalMemory.Kind.MMIO && Long.compareUnsigned(bus - region.busAddress(), region.sizeBytes()) < 0) {
                return barOwnerOfCpu(bus - region.busOffset(), len);
            }
        }
        return OptionalInt.empty();
    }

    /** The CPU address of a bus address in a BAR window (the address itself when it is in none). */
    private long busToCpu(long bus) {
        for (PhysicalMemory.Region region : memory.regions()) {
            if (region.kind() == PhysicalMemory.Kind.MMIO && Long.compareUnsigned(bus - region.busAddress(), region.sizeBytes()) < 0) {
                return bus - region.busOffset();
            }
        }
        return bus;
    }

    /** The function one of whose memory BARs holds {@code [cpu, cpu + len)}, if one does. */
    private OptionalInt barOwnerOfCpu(long cpu, int len) {
        for (int i = 0; i < topology.size(); i++) {
            for (Bar b : topology.function(i).bars()) {
                if (b.memory() && Long.compareUnsigned(cpu - b.cpuAddress(), b.sizeBytes()) < 0
                        && Long.compareUnsigned(len, b.sizeBytes() - (cpu - b.cpuAddress())) <= 0) {
                    return OptionalInt.of(i);
                }
            }
        }
        return OptionalInt.empty();
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

    /** The ACS control bits a port has enabled (none when it has no ACS capability or it is unknown). */
    private static int acsControl(PciFunction port) {
        return port.acs() instanceof AcsState.Present p ? p.controlBits() : 0;
    }

    private String name(int index) {
        return topology.function(index).address().toString();
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
