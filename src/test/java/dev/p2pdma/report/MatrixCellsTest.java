package dev.p2pdma.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.p2pdma.DecisionOptions;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.sim.SyntheticHost;
import dev.p2pdma.testing.Topo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The report's cells computed once per class of pairs are the cells of every pair's own verdict
 * (spec 1.7-1.12 reasons, templated): on every conformance capture, every real machine, the
 * synthetic host and seeded random machines built to vary everything a verdict's text reads.
 */
class MatrixCellsTest {

    /** Seeded random machines per run. */
    private static final int RANDOM_MACHINES = 150;

    @TestFactory
    List<DynamicTest> everyCaptureAndRealMachineGetsTheCellsOfEveryPairsOwnVerdict() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> cases = Files.list(Machines.shared().resolve("conformance"))) {
            for (Path dir : cases.filter(d -> Files.exists(d.resolve("capture.tar.gz"))).sorted().toList()) {
                tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    LoadedMachine m = Machines.load(LoadedMachine.SourceKind.SYSFS, dir.resolve("capture.tar.gz"));
                    assertThat(byClassMatchesExact(m.topology(), m.decision())).as("the shortcut is taken on a QEMU capture").isTrue();
                }));
            }
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(Machines.shared().resolve("real-machines"))) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String n = f.getFileName().toString();
            LoadedMachine.SourceKind kind = f.getParent().getFileName().toString().equals("lspci") ? LoadedMachine.SourceKind.LSPCI
                    : n.endsWith(".xml") ? LoadedMachine.SourceKind.HWLOC
                    : n.endsWith(".tar.bz2") || n.endsWith(".tar.gz") ? LoadedMachine.SourceKind.SYSFS : null;
            if (kind == null) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(n, () -> {
                LoadedMachine m = Machines.load(kind, f);
                byClassMatchesExact(m.topology(), m.decision());
            }));
        }
        assertThat(tests).hasSizeGreaterThan(40);
        return tests;
    }

    @Test
    void theSyntheticHostTakesTheShortcutAndGetsTheSameCells() {
        PciTopology t = SyntheticHost.build(2);
        assertThat(byClassMatchesExact(t, P2pDmaDecision.of(t))).isTrue();
    }

    @Test
    void seededRandomMachinesGetTheCellsOfEveryPairsOwnVerdict() {
        long base = new SplittableRandom().nextLong();
        int shortcuts = 0;
        for (int k = 0; k < RANDOM_MACHINES; k++) {
            long seed = base + k;
            SplittableRandom rnd = new SplittableRandom(seed);
            PciTopology t = randomMachine(rnd);
            DecisionOptions o = DecisionOptions.defaults().withUnknownAcs(rnd.nextBoolean() ? UnknownAcsPolicy.REDIRECT : UnknownAcsPolicy.NO_REDIRECT);
            P2pDmaDecision d = P2pDmaDecision.of(t, o);
            P2pMatrix m = P2pMatrix.compute(d);
            Optional<MatrixCells> byClass = MatrixCells.byClass(t, m);
            assertThat(byClass).as("seed %d: every address has 12 characters, so the shortcut applies", seed).isPresent();
            assertThat(byClass.get()).as("seed %d", seed).isEqualTo(MatrixCells.exact(t, m));
            shortcuts++;
        }
        assertThat(shortcuts).isEqualTo(RANDOM_MACHINES);
    }

    @Test
    void aDriverNameHoldingAnAddressTurnsTheShortcutOff() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:01.0", 1, Topo.acs(0x001d)).rootPort("0000:00:02.0", 2, Topo.acs(0))
                .add(endpoint(new PciAddress(0, 1, 0, 0), "evil0000:02:00.0", AcsState.ABSENT), new Parent.Bridge(PciAddress.parse("0000:00:01.0")))
                .add(endpoint(new PciAddress(0, 2, 0, 0), "nvme", AcsState.ABSENT), new Parent.Bridge(PciAddress.parse("0000:00:02.0")))
                .build();
        P2pMatrix m = P2pMatrix.compute(P2pDmaDecision.of(t));
        assertThat(MatrixCells.byClass(t, m)).isEmpty();
        assertThat(MatrixCells.compute(t, m)).isEqualTo(MatrixCells.exact(t, m));
    }

    @Test
    void addressesOfDifferentLengthsTurnTheShortcutOff() {
        // domain 0x10000's addresses contain domain 0's as a substring
        MachineInfo mi = MachineInfo.unknown("two domains");
        PciTopology.Builder b = PciTopology.builder(mi);
        for (int domain : new int[] {0, 0x10000}) {
            HostBridge hb = new HostBridge(domain, 0);
            b.add(endpoint(new PciAddress(domain, 0, 1, 0), "", AcsState.ABSENT), new Parent.RootBus(hb));
        }
        PciTopology t = b.build();
        P2pMatrix m = P2pMatrix.compute(P2pDmaDecision.of(t));
        assertThat(MatrixCells.byClass(t, m)).isEmpty();
        assertThat(MatrixCells.compute(t, m)).isEqualTo(MatrixCells.exact(t, m));
    }

    /** Checks compute() against exact(); true when the shortcut was taken. */
    private static boolean byClassMatchesExact(PciTopology t, P2pDmaDecision d) {
        P2pMatrix m = P2pMatrix.compute(d);
        MatrixCells exact = MatrixCells.exact(t, m);
        Optional<MatrixCells> byClass = MatrixCells.byClass(t, m);
        byClass.ifPresent(c -> assertThat(c).isEqualTo(exact));
        assertThat(MatrixCells.compute(t, m)).isEqualTo(exact);
        return byClass.isPresent();
    }

    /**
     * A machine of 1-3 host bridges (one PCI segment each) whose whitelist device is a host bridge
     * function (whitelisted, same-bridge-only or not) or an endpoint; root ports with switch trees
     * (sometimes a chain of eleven redirecting switches, more than the kernel's 128-byte list
     * holds), integrated and multi-function endpoints, ACS absent, redirecting, not
     * redirecting or unknown for two reasons anywhere, endpoints with different drivers, and an
     * Intel, AMD Zen or unknown CPU.
     */
    private static PciTopology randomMachine(SplittableRandom rnd) {
        MachineInfo mi = MachineInfo.unknown("random machine");
        mi = switch (rnd.nextInt(3)) {
            case 0 -> mi.withCpu(Optional.of(new CpuInfo(CpuInfo.INTEL, 6, "random")));
            case 1 -> mi.withCpu(Optional.of(new CpuInfo(CpuInfo.AMD, 0x17, "random")));
            default -> mi;
        };
        PciTopology.Builder b = PciTopology.builder(mi);
        int hostBridges = 1 + rnd.nextInt(3);
        for (int h = 0; h < hostBridges; h++) {
            HostBridge hb = new HostBridge(h, 0);
            Parent root = new Parent.RootBus(hb);
            switch (rnd.nextInt(4)) {
                case 0 -> b.add(hostBridgeFunction(h, 0x2020), root);
                case 1 -> b.add(hostBridgeFunction(h, 0x3c00), root);
                case 2 -> b.add(hostBridgeFunction(h, Topo.Q35_HOST), root);
                default -> b.add(endpoint(new PciAddress(h, 0, 0, 0), driver(rnd), acs(rnd, true)), root);
            }
            int[] nextBus = {1};
            int rootPorts = 1 + rnd.nextInt(3);
            for (int r = 0; r < rootPorts; r++) {
                PciAddress rp = new PciAddress(h, 0, 1 + r, 0);
                int bus = nextBus[0]++;
                b.add(bridge(rp, PortType.ROOT_PORT, bus, acs(rnd, false)), root);
                if (rnd.nextInt(5) == 0) {
                    addChain(b, h, bus, rp, 11, nextBus, rnd);
                } else {
                    addBelow(b, h, bus, rp, rnd.nextInt(4), nextBus, rnd);
                }
            }
            int integrated = rnd.nextInt(3);
            for (int e = 0; e < integrated; e++) {
                b.add(endpoint(new PciAddress(h, 0, 8 + e, 0), driver(rnd), acs(rnd, true)), root);
            }
        }
        return b.build();
    }

    /** Endpoints (one or two functions) or a switch below a bridge whose secondary bus is {@code bus}. */
    private static void addBelow(PciTopology.Builder b, int domain, int bus, PciAddress parent, int depth, int[] nextBus, SplittableRandom rnd) {
        if (depth == 0 || rnd.nextInt(3) == 0) {
            int functions = 1 + rnd.nextInt(2);
            for (int fn = 0; fn < functions; fn++) {
                b.add(endpoint(new PciAddress(domain, bus, 0, fn), driver(rnd), acs(rnd, true)), new Parent.Bridge(parent));
            }
            return;
        }
        PciAddress us = new PciAddress(domain, bus, 0, 0);
        int internal = nextBus[0]++;
        b.add(bridge(us, PortType.UPSTREAM_PORT, internal, acs(rnd, false)), new Parent.Bridge(parent));
        int ports = 1 + rnd.nextInt(3);
        for (int d = 0; d < ports; d++) {
            PciAddress ds = new PciAddress(domain, internal, d, 0);
            int below = nextBus[0]++;
            b.add(bridge(ds, PortType.DOWNSTREAM_PORT, below, acs(rnd, false)), new Parent.Bridge(us));
            addBelow(b, domain, below, ds, depth - 1, nextBus, rnd);
        }
    }

    /**
     * A chain of {@code depth} switches whose ports all redirect, with a side port at every level
     * and two devices (not functions: their cut addresses differ) below it and at the bottom, each
     * redirecting half the time, so that a cut list sometimes ends inside the client's address.
     */
    private static void addChain(PciTopology.Builder b, int domain, int bus, PciAddress parent, int depth, int[] nextBus, SplittableRandom rnd) {
        PciAddress us = new PciAddress(domain, bus, 0, 0);
        int internal = nextBus[0]++;
        AcsState redirect = new AcsState.Present(0x5f, 0x001d);
        b.add(bridge(us, PortType.UPSTREAM_PORT, internal, redirect), new Parent.Bridge(parent));
        PciAddress ds = new PciAddress(domain, internal, 0, 0);
        int below = nextBus[0]++;
        b.add(bridge(ds, PortType.DOWNSTREAM_PORT, below, redirect), new Parent.Bridge(us));
        PciAddress side = new PciAddress(domain, internal, 1, 0);
        int sideBus = nextBus[0]++;
        b.add(bridge(side, PortType.DOWNSTREAM_PORT, sideBus, redirect), new Parent.Bridge(us));
        twoDevices(b, domain, sideBus, side, rnd);
        if (depth > 1) {
            addChain(b, domain, below, ds, depth - 1, nextBus, rnd);
        } else {
            twoDevices(b, domain, below, ds, rnd);
        }
    }

    private static void twoDevices(PciTopology.Builder b, int domain, int bus, PciAddress parent, SplittableRandom rnd) {
        for (int dev = 0; dev < 2; dev++) {
            AcsState acs = rnd.nextBoolean() ? new AcsState.Present(0x5f, 0x001d) : AcsState.ABSENT;
            b.add(endpoint(new PciAddress(domain, bus, dev, 0), driver(rnd), acs), new Parent.Bridge(parent));
        }
    }

    private static AcsState acs(SplittableRandom rnd, boolean endpoint) {
        int k = rnd.nextInt(endpoint ? 8 : 5);
        return switch (k) {
            case 0 -> new AcsState.Present(0x5f, 0x001d);
            case 1 -> new AcsState.Present(0x5f, 0);
            case 2 -> new AcsState.Unknown("config space not captured");
            case 3 -> new AcsState.Unknown("ACS capability unreadable");
            default -> AcsState.ABSENT;
        };
    }

    private static String driver(SplittableRandom rnd) {
        return List.of("", "nvme", "mlx5_core").get(rnd.nextInt(3));
    }

    private static PciFunction endpoint(PciAddress a, String driver, AcsState acs) {
        PciFunction.Builder f = PciFunction.builder(a).ids(0x144d, 0xa808).classCode(0x010802).headerType(0).portType(PortType.ENDPOINT).acs(acs);
        if (!driver.isEmpty()) {
            f.driver(driver);
        }
        return f.build();
    }

    private static PciFunction hostBridgeFunction(int domain, int device) {
        return PciFunction.builder(new PciAddress(domain, 0, 0, 0)).ids(0x8086, device).classCode(0x060000).headerType(0)
                .portType(PortType.CONVENTIONAL_PCI).acs(AcsState.ABSENT).build();
    }

    private static PciFunction bridge(PciAddress a, PortType type, int secondary, AcsState acs) {
        return PciFunction.builder(a).ids(0x10b5, 0x9781).classCode(0x060400).headerType(0x01).portType(type).busRange(secondary, secondary)
                .acs(acs).build();
    }
}
