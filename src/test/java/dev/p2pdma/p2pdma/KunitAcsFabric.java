package dev.p2pdma.p2pdma;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The fabric of the R1 KUnit file {@code drivers/pci/pci_acs_test.c} (acs_build_fabric(), corpus
 * file id 69529058358), rebuilt as a {@link PciTopology}: a root port that doubles as the
 * whitelisted host-bridge device (Google vendor, device 0x1234), a switch whose two downstream
 * ports each lead to a nested switch, the provider below one and the client below the other.
 * Ports the KUnit case gives no ACS capability have none here.
 *
 * <pre>
 *   root bus NN:00  rootport NN:00.0 (1ae0:1234)
 *     01:00.0 switch upstream port
 *       02:00.0 dn0 (provider side)  03:00.0 nested upstream  05:00.0 provider_leaf  07:00.0 provider
 *       02:01.0 dn1 (client side)    04:00.0 nested upstream  06:00.0 client_leaf    08:00.0 client
 * </pre>
 */
final class KunitAcsFabric {

    /** The ports and endpoints a KUnit case names. */
    enum Node {
        ROOTPORT("00:00.0"), SWUP("01:00.0"), DN0("02:00.0"), DN1("02:01.0"), PROVIDER_SWUP("03:00.0"), PROVIDER_LEAF("05:00.0"),
        PROVIDER("07:00.0"), CLIENT_SWUP("04:00.0"), CLIENT_LEAF("06:00.0"), CLIENT("08:00.0");

        /** Bus, device and function inside the fabric's domain. */
        final String bdf;

        Node(String bdf) {
            this.bdf = bdf;
        }

        /** The address in the fabric of {@code domain}. */
        PciAddress in(int domain) {
            return PciAddress.parse(String.format("%04x:", domain) + bdf);
        }
    }

    private KunitAcsFabric() {
    }

    /** One fabric in domain 0 with these ACS states (every other node: no ACS capability). */
    static PciTopology build(Map<Node, AcsState> acs) {
        return buildMany(Map.of(0, acs));
    }

    /** One fabric per domain (acs_build_fabric() called once per fabric; each has its own host bridge). */
    static PciTopology buildMany(Map<Integer, Map<Node, AcsState>> fabrics) {
        // an Intel CPU: the CPU rule does not apply, the whitelist decides the host-bridge route
        PciTopology.Builder b = PciTopology.builder(MachineInfo.unknown("kunit").withCpu(Optional.of(new CpuInfo(CpuInfo.INTEL, 6, ""))));
        fabrics.keySet().stream().sorted().forEach(domain -> {
            Map<Node, AcsState> acs = new EnumMap<>(Node.class);
            acs.putAll(fabrics.get(domain));
            HostBridge host = new HostBridge(domain, 0);
            b.add(bridge(Node.ROOTPORT.in(domain), PortType.ROOT_PORT, 1, acs, Node.ROOTPORT).ids(0x1ae0, 0x1234).build(), new Parent.RootBus(host));
            add(b, domain, acs, Node.SWUP, PortType.UPSTREAM_PORT, 2, Node.ROOTPORT);
            add(b, domain, acs, Node.DN0, PortType.DOWNSTREAM_PORT, 3, Node.SWUP);
            add(b, domain, acs, Node.DN1, PortType.DOWNSTREAM_PORT, 4, Node.SWUP);
            add(b, domain, acs, Node.PROVIDER_SWUP, PortType.UPSTREAM_PORT, 5, Node.DN0);
            add(b, domain, acs, Node.PROVIDER_LEAF, PortType.DOWNSTREAM_PORT, 7, Node.PROVIDER_SWUP);
            add(b, domain, acs, Node.CLIENT_SWUP, PortType.UPSTREAM_PORT, 6, Node.DN1);
            add(b, domain, acs, Node.CLIENT_LEAF, PortType.DOWNSTREAM_PORT, 8, Node.CLIENT_SWUP);
            endpoint(b, domain, acs, Node.PROVIDER, Node.PROVIDER_LEAF);
            endpoint(b, domain, acs, Node.CLIENT, Node.CLIENT_LEAF);
        });
        return b.build();
    }

    private static void add(PciTopology.Builder b, int domain, Map<Node, AcsState> acs, Node n, PortType type, int secondary, Node parent) {
        b.add(bridge(n.in(domain), type, secondary, acs, n).build(), new Parent.Bridge(parent.in(domain)));
    }

    private static PciFunction.Builder bridge(PciAddress a, PortType type, int secondary, Map<Node, AcsState> acs, Node n) {
        return PciFunction.builder(a).ids(0x10b5, 0x8796).classCode(0x060400).headerType(0x01).portType(type).busRange(secondary, secondary)
                .acs(acs.getOrDefault(n, AcsState.ABSENT)).driver("pcieport");
    }

    private static void endpoint(PciTopology.Builder b, int domain, Map<Node, AcsState> acs, Node n, Node parent) {
        b.add(PciFunction.builder(n.in(domain)).ids(0x1b36, 0x0010).classCode(0x010802).headerType(0).portType(PortType.ENDPOINT)
                .acs(acs.getOrDefault(n, AcsState.ABSENT)).driver("nvme").build(), new Parent.Bridge(parent.in(domain)));
    }
}
