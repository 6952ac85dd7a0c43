package dev.p2pdma.pci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.testing.Topo;
import dev.p2pdma.testing.XorShift64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Seeded random topologies (root ports, switches, PCIe-to-PCI bridges, multifunction devices, ACS
 * on, off, absent or unknown, devices of the ACS quirk table): the grouping's invariants hold, and
 * its partition is the one an independent reference ({@link ReferenceIommuGroups}) builds from the
 * spec (5.6 with 11.1, 11.2, 11.5, 11.8). The seed is in every assertion message.
 */
class IommuGroupsPropertyTest {

    /** Base seed; each topology uses base + its number. */
    private static final long SEED = 0x9E3779B97F4A7C15L;
    /** Topologies generated. */
    private static final int TOPOLOGIES = 300;
    /** Intel's vendor id: its RCiEPs and some of its NICs are ACS quirk rows (spec 11.8). */
    private static final int INTEL = 0x8086;
    /** An Intel 82576 NIC, a multifunction endpoint the kernel's quirk table declares isolated. */
    private static final int INTEL_82576 = 0x10C9;

    /** Builds random topologies; not thread-safe. */
    private static final class Generator {
        /** The generator. */
        private final XorShift64 rnd;
        /** The topology being built. */
        private final Topo topo = Topo.intel();
        /** Next free bus number. */
        private int nextBus = 1;

        Generator(long seed) {
            this.rnd = new XorShift64(seed);
        }

        private AcsState randomAcs() {
            return switch (rnd.nextInt(7)) {
                case 0 -> Topo.noAcs();
                case 1 -> Topo.acs(0);
                case 2 -> Topo.acs(0x0015);
                case 3 -> new AcsState.Unknown("not captured");
                case 4 -> new AcsState.Present(0x0005, 0x0005);
                case 5 -> Topo.acs(0x000d);
                default -> Topo.acs(0x001d);
            };
        }

        PciTopology build() {
            topo.hostBridgeDevice("00:00.0", 0x8086, Topo.Q35_HOST);
            int ports = 1 + rnd.nextInt(4);
            for (int d = 1; d <= ports; d++) {
                int bus = nextBus++;
                String port = String.format("00:%02x.0", d);
                topo.rootPort(port, bus, randomAcs());
                fill(port, bus, 0);
            }
            if (rnd.nextInt(2) == 0) {
                addSlot("", 0, 0x1f, PortType.RC_INTEGRATED_ENDPOINT);
            }
            if (rnd.nextInt(3) == 0) {
                addSlot("", 0, 0x1e, PortType.RC_INTEGRATED_ENDPOINT, INTEL, 0x3e20);
            }
            return topo.build();
        }

        /** Populates the bus below {@code bridge}. */
        private void fill(String bridge, int bus, int depth) {
            int kind = depth >= 3 ? 0 : rnd.nextInt(4);
            switch (kind) {
                case 1 -> { // switch
                    int up = nextBus++;
                    String upAddr = String.format("%02x:00.0", bus);
                    topo.bridge(upAddr, PortType.UPSTREAM_PORT, up, Topo.noAcs(), bridge);
                    int downs = 1 + rnd.nextInt(3);
                    for (int d = 0; d < downs; d++) {
                        int sec = nextBus++;
                        String downAddr = String.format("%02x:%02x.0", up, d);
                        topo.bridge(downAddr, PortType.DOWNSTREAM_PORT, sec, randomAcs(), upAddr);
                        fill(downAddr, sec, depth + 1);
                    }
                }
                case 2 -> { // PCIe-to-PCI bridge with conventional devices
                    int sec = nextBus++;
                    String b = String.format("%02x:00.0", bus);
                    topo.bridge(b, PortType.PCIE_TO_PCI_BRIDGE, sec, Topo.noAcs(), bridge);
                    int n = 1 + rnd.nextInt(3);
                    for (int d = 0; d < n; d++) {
                        topo.add(PciFunction.builder(PciAddress.parse(String.format("%02x:%02x.0", sec, d))).ids(0x1000, 0x30)
                                .classCode(0x010000).headerType(0).portType(PortType.CONVENTIONAL_PCI).acs(Topo.noAcs()).build(),
                                new Parent.Bridge(PciAddress.parse(b)));
                    }
                }
                case 3 -> addSlot(bridge, bus, 0, PortType.ENDPOINT, INTEL, INTEL_82576);
                default -> addSlot(bridge, bus, 0, PortType.ENDPOINT);
            }
        }

        /** One device, single- or multifunction, on {@code bus} (below {@code bridge}, or on the root bus when empty). */
        private void addSlot(String bridge, int bus, int device, PortType type) {
            addSlot(bridge, bus, device, type, 0x1b36, 0x0010);
        }

        /** As above, with these vendor and device ids (quirk table rows among them). */
        private void addSlot(String bridge, int bus, int device, PortType type, int vendor, int deviceId) {
            int functions = rnd.nextInt(3) == 0 ? 2 + rnd.nextInt(3) : 1;
            for (int fn = 0; fn < functions; fn++) {
                PciAddress a = PciAddress.parse(String.format("%02x:%02x.%d", bus, device, fn));
                PciFunction f = PciFunction.builder(a).ids(vendor, deviceId).classCode(0x010802)
                        .headerType(functions > 1 && (fn == 0 || rnd.nextInt(2) == 0) ? 0x80 : 0)
                        .portType(type).acs(functions > 1 ? randomAcs() : Topo.noAcs()).build();
                topo.add(f, bridge.isEmpty() ? new Parent.RootBus(new HostBridge(0, 0)) : new Parent.Bridge(PciAddress.parse(bridge)));
            }
        }
    }

    @Test
    void groupsPartitionTheFunctionsAreNumberedInCreationOrderAndEveryJoinHasOneReason_spec5_6_11_2() {
        for (int k = 0; k < TOPOLOGIES; k++) {
            long seed = SEED + k;
            PciTopology t = new Generator(seed).build();
            IommuGroups g = IommuGroups.compute(t);
            String why = "seed " + seed;
            int[] order = t.scanOrder();
            int[] position = new int[t.size()];
            for (int p = 0; p < order.length; p++) {
                position[order[p]] = p;
            }
            Set<PciAddress> seen = new HashSet<>();
            int lastFirst = -1;
            for (var e : g.groups().entrySet()) {
                List<PciAddress> members = e.getValue();
                assertThat(members).as(why).isNotEmpty().isSorted();
                for (PciAddress m : members) {
                    assertThat(seen.add(m)).as(why + ": " + m + " in one group only").isTrue();
                    assertThat(g.groupOf(m)).as(why).hasValue(e.getKey());
                }
                int first = members.stream().mapToInt(m -> position[t.indexOf(m)]).min().orElseThrow();
                assertThat(first).as(why + ": group " + e.getKey() + " created after the one before it").isGreaterThan(lastFirst);
                lastFirst = first;
                List<IommuGroupReason> reasons = g.reasons(e.getKey());
                assertThat(reasons).as(why).hasSize(members.size() - 1);
                for (IommuGroupReason r : reasons) {
                    assertThat(members).as(why).contains(r.member(), r.joined());
                    assertThat(position[t.indexOf(r.joined())]).as(why).isLessThan(position[t.indexOf(r.member())]);
                }
            }
            assertThat(seen).as(why).hasSize(t.size());
            assertThat(g.groups().keySet()).as(why).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, g.size()).boxed().toList());
            assertThat(IommuGroups.compute(t).groups()).as(why + ": deterministic").isEqualTo(g.groups());
        }
    }

    @Test
    void thePartitionIsTheOnePciDeviceGroupGivesByTheSpecsRules_spec5_6_11_1_11_2_11_5_11_8() {
        int joined = 0;
        for (int k = 0; k < TOPOLOGIES; k++) {
            long seed = SEED + k;
            PciTopology t = new Generator(seed).build();
            for (UnknownAcsPolicy policy : UnknownAcsPolicy.values()) {
                IommuGroups g = IommuGroups.compute(t, policy);
                Set<Set<PciAddress>> ours = new HashSet<>();
                g.groups().values().forEach(m -> ours.add(Set.copyOf(m)));
                Set<Set<PciAddress>> reference = ReferenceIommuGroups.partition(t, policy);
                assertThat(ours).as("seed " + seed + ", unknown ACS " + policy + ": " + t.functions()).isEqualTo(reference);
                joined += t.size() - reference.size();
            }
        }
        // the topologies must exercise both outcomes: some functions share a group, most do not
        assertThat(joined).as("functions that joined another's group, over all topologies").isPositive();
    }
}
