package dev.p2pdma.pci.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import dev.p2pdma.pci.ConfigSpace;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;

/**
 * A topology with realistic bytes for the round-trip tests: every {@code config} member of a
 * conformance capture parsed with {@link ConfigSpace}, hung where its sysfs directory says, plus
 * the capture's cpuinfo, cmdline and kernel release. Not a sysfs importer: only enough to get real
 * config space into a topology file.
 */
final class CaptureTopology {

    private CaptureTopology() {
    }

    /** The shared data directory: the {@code p2pdma.shared} property, else {@code ../shared}. */
    static Path shared() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared"));
    }

    /** Reads {@code conformance/<caseName>/capture.tar.gz}. */
    static PciTopology of(String caseName) throws IOException {
        Path tarball = shared().resolve("conformance").resolve(caseName).resolve("capture.tar.gz");
        TreeMap<String, byte[]> configs = new TreeMap<>();
        String cpuinfo = "";
        String cmdline = "";
        String release = "";
        try (InputStream in = Files.newInputStream(tarball);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                if (!e.isFile()) {
                    continue;
                }
                String name = e.getName();
                if (name.startsWith("sys/devices/") && name.endsWith("/config")) {
                    configs.put(name, tar.readAllBytes());
                } else if (name.equals("proc/cpuinfo")) {
                    cpuinfo = new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                } else if (name.equals("proc/cmdline")) {
                    cmdline = new String(tar.readAllBytes(), StandardCharsets.UTF_8).strip();
                } else if (name.equals("proc/sys/kernel/osrelease")) {
                    release = new String(tar.readAllBytes(), StandardCharsets.UTF_8).strip();
                }
            }
        }
        MachineInfo machine = MachineInfo.unknown("conformance capture " + caseName)
                .withCpu(CpuInfo.parseProcCpuinfo(cpuinfo))
                .withCmdline(Optional.of(cmdline))
                .withKernelRelease(Optional.of(release));
        PciTopology.Builder t = PciTopology.builder(machine);
        for (var e : configs.entrySet()) {
            String[] parts = e.getKey().split("/");
            // sys, devices, pciDDDD:BB, bridge..., function, config
            PciAddress address = PciAddress.parse(parts[parts.length - 2]);
            String up = parts[parts.length - 3];
            Parent parent;
            if (up.startsWith("pci")) {
                PciAddress root = PciAddress.parse(up.substring(3) + ":00.0");
                parent = new Parent.RootBus(new HostBridge(root.domain(), root.bus()));
            } else {
                parent = new Parent.Bridge(PciAddress.parse(up));
            }
            t.add(PciFunction.builder(address).fromConfig(ConfigSpace.parse(e.getValue())).build(), parent);
        }
        return t.build();
    }
}
