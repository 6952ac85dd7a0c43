package dev.p2pdma.testing;

import static dev.p2pdma.testing.Topo.noAcs;

import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.List;

/**
 * The small machine the DMA and IOMMU tests share: 512 MiB of RAM, a P2P provider 03:00.0 whose
 * 16 MiB BAR 2 sits at CPU 8 GiB with bus address 4 GiB, a client 04:00.0 behind the same switch
 * (BUS_ADDR), a client 06:00.0 behind another root port (THRU_HOST_BRIDGE on AMD Zen,
 * NOT_SUPPORTED on Intel), no ACS anywhere. Not thread-safe for setup; one per test.
 *
 * @param topology the PCI tree
 * @param memory   the address space: RAM and the BAR
 */
public record SwitchMachine(PciTopology topology, PhysicalMemory memory) {

    /** CPU physical address of the provider's BAR. */
    public static final long BAR_CPU = 0x2_0000_0000L;
    /** Its PCI bus address. */
    public static final long BAR_BUS = 0x1_0000_0000L;
    /** The BAR's bus address minus its CPU address. */
    public static final long BUS_OFFSET = BAR_BUS - BAR_CPU;
    /** BAR size. */
    public static final long BAR_BYTES = 16L << 20;
    /** RAM size. */
    public static final long RAM_BYTES = 512L << 20;
    /** Where test buffers start. */
    public static final long BUFFERS_PHYS = 64L << 20;
    /** The provider. */
    public static final PciAddress PROVIDER = PciAddress.parse("0000:03:00.0");
    /** The client behind the same switch. */
    public static final PciAddress SWITCH_PEER = PciAddress.parse("0000:04:00.0");
    /** The client behind another root port. */
    public static final PciAddress OTHER_ROOT = PciAddress.parse("0000:06:00.0");

    /** The machine with an AMD Zen CPU ({@code amd}) or an Intel one. */
    public static SwitchMachine of(boolean amd) {
        Topo t = amd ? Topo.amdZen() : Topo.intel();
        PciTopology topology = t.hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, noAcs())
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, noAcs(), "0000:01:00.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, noAcs(), "0000:01:00.0")
                .add(PciFunction.builder(PROVIDER).ids(0x1b36, 0x0010).classCode(0x010802).headerType(0).portType(PortType.ENDPOINT).acs(noAcs())
                        .driver("nvme").p2pmem(new P2pMemInfo(64 << 20, 64 << 20, true))
                        .bars(List.of(new Bar(2, BAR_CPU, BAR_BYTES, true, true, true))).build(),
                        new Parent.Bridge(PciAddress.parse("0000:02:00.0")))
                .endpoint("0000:04:00.0", "0000:02:01.0", noAcs())
                .rootPort("0000:00:05.0", 6, noAcs())
                .endpoint("0000:06:00.0", "0000:00:05.0", noAcs())
                .build();
        PhysicalMemory memory = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, RAM_BYTES, 0),
                new PhysicalMemory.Region("0000:03:00.0 BAR2", PhysicalMemory.Kind.MMIO, BAR_CPU, BAR_BYTES, BAR_BUS)));
        return new SwitchMachine(topology, memory);
    }

    /** The RAM page at {@code phys}. */
    public Page ram(long phys) {
        return memory.memMap().pageOrThrow(PageSize.pfn(phys));
    }

    /** The i-th RAM test page. */
    public Page ramPage(int i) {
        return ram(BUFFERS_PHYS + (long) i * PageSize.PAGE_SIZE);
    }

    /** The i-th page of the BAR. */
    public Page p2pPage(int i) {
        return memory.memMap().pageOrThrow(PageSize.pfn(BAR_CPU) + i);
    }
}
