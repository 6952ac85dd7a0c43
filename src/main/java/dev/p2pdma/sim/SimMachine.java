package dev.p2pdma.sim;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.pci.TopologyException;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.Importers;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds the machine of a {@code simulate} scenario: imports its PCI tree, adds the scenario's
 * devices as endpoints below their ports (an NVMe controller with its CMB, an accelerator with its
 * BAR, each BAR placed above every existing one and registered as p2pmem by its driver at boot),
 * and boots it with the scenario's kernel parameters and IOMMU mode. A port that is missing or not
 * a root or downstream port, an address off the port's secondary bus or already taken: one line
 * naming the file, line and device. Stateless; thread-safe.
 */
public final class SimMachine {

    /** Where added BARs start at the lowest: 1 TiB, above any RAM the model boots. */
    static final long ADDED_BAR_FLOOR = 1L << 40;
    /** An added NVMe controller's register BAR 0: 16 KiB. */
    static final long NVME_REGISTER_BAR_BYTES = 16L << 10;
    /** Vendor and device of added NVMe controllers (Samsung PM9A3-like; NvmeIdentity's documented defaults apply). */
    static final int NVME_VENDOR = 0x144d;
    /** Device id of added NVMe controllers. */
    static final int NVME_DEVICE = 0xa80a;
    /** Vendor of added accelerators (Xilinx). */
    static final int ACCEL_VENDOR = 0x10ee;
    /** Device id of added accelerators. */
    static final int ACCEL_DEVICE = 0x903f;

    private SimMachine() {
    }

    /** The scenario's machine, analysed (decision over the tree with the added devices). */
    public static LoadedMachine load(SimScenario s) throws ImportException {
        PciTopology t = switch (s.machine()) {
            case SimScenario.InlineMachine in -> in.topology().withMachine(in.topology().machine().withSource(s.file() + " (inline topology)"));
            case SimScenario.FileMachine f -> {
                try {
                    PciTopology imported = switch (f.kind()) {
                        case "sysfs" -> Importers.sysfs(f.path());
                        case "hwloc" -> Importers.hwloc(f.path());
                        case "lspci" -> Importers.lspci(f.path());
                        default -> Importers.topologyFile(f.path());
                    };
                    String recorded = imported.machine().source().strip();
                    // named as the analyser commands name their input: a topology file by its path beside the source it records
                    String name = recorded.isEmpty() ? f.path().toString()
                            : f.kind().equals("topology") ? f.path() + " (made from " + recorded + ")" : recorded;
                    yield imported.withMachine(imported.machine().withSource(name));
                } catch (TopologyException e) {
                    throw new ImportException(f.path() + ": " + e.getMessage(), e);
                }
            }
        };
        PciTopology added = withDevices(t, s);
        Optional<CpuInfo> cpu = s.cpu().map(CpuInfo::parseFlag);
        List<String> params = new ArrayList<>(s.kernelParams());
        s.iommu().ifPresent(mode -> params.addAll(iommuParams(mode, cpu.or(() -> added.machine().cpu()))));
        try {
            return LoadedMachine.boot(added, params, cpu, UnknownAcsPolicy.NO_REDIRECT);
        } catch (IllegalArgumentException e) {
            throw new ImportException(s.file() + ": cannot boot the machine: " + e.getMessage(), e);
        }
    }

    /** Boots the analysed machine in the model (RAM with real bytes, the DMA core, the fabric). */
    public static RunningMachine boot(SimScenario s, LoadedMachine loaded) throws ImportException {
        try {
            return RunningMachine.boot(loaded, RunningMachine.DEFAULT_RAM_BYTES);
        } catch (IllegalArgumentException e) {
            throw new ImportException(s.file() + ": cannot boot " + loaded.topology().machine().source() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The kernel parameters that select an IOMMU mode (spec 5.1): {@code iommu=off}; else the
     * vendor's {@code intel_iommu=on} or {@code amd_iommu=on}, with {@code iommu.passthrough=1}
     * for identity domains or {@code iommu.strict=1}/{@code 0} for strict or lazy DMA domains.
     */
    static List<String> iommuParams(IommuMode mode, Optional<CpuInfo> cpu) {
        String on = cpu.filter(c -> c.vendor().equals(CpuInfo.AMD)).isPresent() ? "amd_iommu=on" : "intel_iommu=on";
        return switch (mode) {
            case OFF -> List.of("iommu=off");
            case IDENTITY -> List.of(on, "iommu=pt", "iommu.passthrough=1");
            case STRICT -> List.of(on, "iommu=", "iommu.passthrough=0", "iommu.strict=1");
            case LAZY -> List.of(on, "iommu=", "iommu.passthrough=0", "iommu.strict=0");
        };
    }

    /** The tree with the scenario's devices added below their ports. */
    static PciTopology withDevices(PciTopology t, SimScenario s) throws ImportException {
        if (s.devices().isEmpty()) {
            return t;
        }
        PciTopology.Builder b = PciTopology.builder(t.machine());
        t.hostBridges().forEach(b::hostBridge);
        long nextBar = ADDED_BAR_FLOOR;
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            int parent = t.parent(i);
            b.add(f, parent >= 0 ? new Parent.Bridge(t.function(parent).address()) : new Parent.RootBus(t.hostBridgeOf(i)));
            for (Bar bar : f.bars()) {
                if (bar.memory() && Long.compareUnsigned(bar.cpuEnd(), nextBar) > 0 && bar.cpuEnd() > 0) {
                    nextBar = bar.cpuEnd();
                }
            }
        }
        for (SimScenario.Device d : s.devices()) {
            PciFunction port = t.function(d.port()).orElseThrow(() -> bad(s, d, "port " + d.port() + " is not a function of the machine"));
            if (port.portType() != PortType.ROOT_PORT && port.portType() != PortType.DOWNSTREAM_PORT || port.busRange().isEmpty()) {
                throw bad(s, d, "port " + d.port() + " is a " + port.portType().label() + ", not a root port or switch downstream port");
            }
            int secondary = port.busRange().get().secondary();
            if (d.address().domain() != d.port().domain() || d.address().bus() != secondary) {
                throw bad(s, d, String.format("address %s is not on port %s's secondary bus %04x:%02x", d.address(), d.port(),
                        d.port().domain(), secondary));
            }
            if (t.function(d.address()).isPresent()) {
                throw bad(s, d, "address " + d.address() + " is already taken by a function of the machine");
            }
            List<Bar> bars = new ArrayList<>();
            boolean nvme = d.kind() == SimScenario.DeviceKind.NVME;
            if (nvme) {
                nextBar = align(nextBar, NVME_REGISTER_BAR_BYTES);
                bars.add(new Bar(0, nextBar, NVME_REGISTER_BAR_BYTES, true, true, false));
                nextBar += NVME_REGISTER_BAR_BYTES;
            }
            if (d.p2pmemBytes() > 0) {
                nextBar = align(nextBar, d.p2pmemBytes());
                bars.add(new Bar(2, nextBar, d.p2pmemBytes(), true, true, true));
                nextBar += d.p2pmemBytes();
            }
            PciFunction.Builder f = PciFunction.builder(d.address()).headerType(0).portType(PortType.ENDPOINT).acs(AcsState.ABSENT)
                    .bars(bars).link(new LinkInfo(d.linkGtps(), d.linkWidth(), d.linkGtps(), d.linkWidth()))
                    .description("added by " + s.file() + " as " + d.name());
            if (nvme) {
                f.ids(NVME_VENDOR, NVME_DEVICE).classCode(0x010802).driver("nvme");
            } else {
                f.ids(ACCEL_VENDOR, ACCEL_DEVICE).classCode(0x120000).driver("p2pmem-accel");
            }
            if (d.p2pmemBytes() > 0) {
                f.p2pmem(new P2pMemInfo(d.p2pmemBytes(), d.p2pmemBytes(), true));
            }
            try {
                b.add(f.build(), new Parent.Bridge(d.port()));
            } catch (TopologyException e) {
                throw bad(s, d, e.getMessage());
            }
        }
        try {
            return b.build();
        } catch (TopologyException e) {
            throw new ImportException(s.file() + ": the machine with the scenario's devices is not a valid PCI tree: " + e.getMessage(), e);
        }
    }

    private static long align(long at, long size) {
        return (at + size - 1) & -size;
    }

    private static ImportException bad(SimScenario s, SimScenario.Device d, String what) {
        return new ImportException("device " + d.name() + ": " + what + " (" + s.file() + " line " + d.line() + ")");
    }
}
