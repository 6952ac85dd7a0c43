package dev.p2pdma.sim;

import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A {@code p2pdma simulate} scenario (README "Simulating workloads"): a machine, devices to add to
 * it, the IOMMU mode, and workloads that move data between NVMe namespaces and p2pmem or between
 * two accelerators' BARs. Immutable value; validated by {@link SimScenarioReader} (devices named by
 * workloads exist in the scenario or as a PCI address; the machine itself is checked when it is built).
 *
 * @param file         the scenario file, for messages
 * @param machine      where the PCI tree comes from
 * @param kernelParams what-if kernel parameters, applied at boot
 * @param cpu          the {@code --cpu} override
 * @param iommu        the IOMMU mode to boot with; empty: as the machine booted
 * @param devices      devices to add below existing ports
 * @param workloads    the workloads, all running at the same time
 */
public record SimScenario(String file, MachineSource machine, List<String> kernelParams, Optional<String> cpu, Optional<IommuMode> iommu,
                          List<Device> devices, List<Workload> workloads) {

    /** Copies. */
    public SimScenario {
        kernelParams = List.copyOf(kernelParams);
        devices = List.copyOf(devices);
        workloads = List.copyOf(workloads);
    }

    /** Where the PCI tree comes from: a file any importer reads, or a topology document inline. */
    public sealed interface MachineSource {
        /** For people: "sysfs capture x.tar.gz", "inline topology of s.yaml". */
        String describe();
    }

    /**
     * A file read by an importer.
     *
     * @param kind sysfs, hwloc, lspci or topology
     * @param path resolved against the scenario file's folder
     */
    public record FileMachine(String kind, Path path) implements MachineSource {
        @Override
        public String describe() {
            return kind + " " + path;
        }
    }

    /**
     * A {@code p2pdma-topology/1} document written inside the scenario.
     *
     * @param topology the decoded tree
     */
    public record InlineMachine(PciTopology topology) implements MachineSource {
        @Override
        public String describe() {
            return "inline topology";
        }
    }

    /** What kind of device is added. */
    public enum DeviceKind {
        /** An NVMe controller (class 01:08:02, nvme driver) with a 16 MiB in-memory namespace, with or without a CMB. */
        NVME,
        /** A processing accelerator (class 12:00:00) whose BAR is exposed as p2pmem. */
        ACCELERATOR
    }

    /**
     * A device to add as an endpoint below a port.
     *
     * @param name        how workloads refer to it
     * @param kind        NVMe or accelerator
     * @param address     its PCI address (its bus is the port's secondary bus)
     * @param port        the root or downstream port it sits below
     * @param p2pmemBytes the CMB (NVMe, 0 for none) or BAR (accelerator) registered as p2pmem
     * @param linkGtps    its link's speed in GT/s
     * @param linkWidth   its link's width in lanes
     * @param line        where it was written
     */
    public record Device(String name, DeviceKind kind, PciAddress address, PciAddress port, long p2pmemBytes, double linkGtps, int linkWidth,
                         int line) {
    }

    /** What a workload does. */
    public enum Kind {
        /** O_DIRECT reads from an NVMe namespace into a provider's p2pmem. */
        READ,
        /** O_DIRECT writes from a provider's p2pmem to an NVMe namespace. */
        WRITE,
        /** Device DMA from one accelerator's BAR into another's (the source's DMA engine pushes). */
        COPY
    }

    /**
     * One workload (a stream).
     *
     * @param name        its name
     * @param kind        read, write or copy
     * @param from        the data's source: the NVMe controller (read), the p2pmem provider (write), the source accelerator (copy)
     * @param to          the destination: the p2pmem provider (read), the NVMe controller (write), the destination accelerator (copy)
     * @param bothWays    copy only: the same copy from {@code to} to {@code from} at the same time
     * @param dmaMap      copy only: false when the initiator uses the peer BAR's bus address without mapping it (a driver that skips the DMA API)
     * @param sizeBytes   bytes to move per direction
     * @param ioSizeBytes bytes per I/O
     * @param queueDepth  I/Os in flight per job (for the prediction; each job's worker issues its I/Os one after another)
     * @param jobs        workers running the stream at the same time
     * @param line        where it was written
     */
    public record Workload(String name, Kind kind, PciAddress from, PciAddress to, boolean bothWays, boolean dmaMap, long sizeBytes, long ioSizeBytes,
                           int queueDepth, int jobs, int line) {

        /** I/Os per direction: {@code size / io_size}. */
        public long ios() {
            return sizeBytes / ioSizeBytes;
        }

        /** The p2pmem provider whose memory the stream uses: the destination of a read, the source of a write. */
        public PciAddress p2pmemProvider() {
            return kind == Kind.WRITE ? from : to;
        }

        /** The NVMe controller of a read or write. */
        public PciAddress nvme() {
            return kind == Kind.WRITE ? to : from;
        }
    }
}
