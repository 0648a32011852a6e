package dev.moco.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The module rules of the design card, checked on the compiled classes of every module
 * (moco-bench has them all on its class path).
 */
@AnalyzeClasses(packages = "dev.moco",
        importOptions = {ImportOption.DoNotIncludeTests.class, ModuleRulesTest.DoNotIncludeTestJars.class})
class ModuleRulesTest {

    /** The modules' test fixtures (moco-api's and moco-core's test-jars) are not the modules. */
    static final class DoNotIncludeTestJars implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("-tests.jar");
        }
    }

    /**
     * Outside projects program against moco-api: it depends on nothing of ours and on nothing but
     * ND4J (and the javacpp pointers under ND4J's buffers).
     */
    @ArchTest
    static final ArchRule apiDependsOnNothingButNd4j = classes()
            .that().resideInAnyPackage("dev.moco.api..", "dev.moco.tensorfile..")
            .should().onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "dev.moco.api..", "dev.moco.tensorfile..", "org.nd4j..", "org.bytedeco.javacpp..");

    /** The SPI package itself is contracts only; the plug-in kit beside it holds the helpers. */
    @ArchTest
    static final ArchRule theSpiHasOnlyInterfacesAndEnums = classes()
            .that().resideInAPackage("dev.moco.api")
            .should().beInterfaces().orShould().beEnums();

    /** Each mechanism is a plug-in: none knows another. */
    @ArchTest
    static final ArchRule dictionaryModulesAreIndependent = slices()
            .matching("dev.moco.dict.(*)..")
            .should().notDependOnEachOther();

    /** A dictionary is built from moco-api alone (the SPI and its kit), as an outside plug-in would be. */
    @ArchTest
    static final ArchRule dictionaryModulesDependOnTheApiAlone = noClasses()
            .that().resideInAPackage("dev.moco.dict..")
            .should().dependOnClassesThat()
            .resideInAnyPackage("dev.moco.core..", "dev.moco.encoders..", "dev.moco.bench..", "dev.moco.downstream..");

    /** moco-core finds mechanisms through the SPI only and knows no front end. */
    @ArchTest
    static final ArchRule coreKnowsNoMechanismOrFrontEnd = noClasses()
            .that().resideInAPackage("dev.moco.core..")
            .should().dependOnClassesThat()
            .resideInAnyPackage("dev.moco.dict..", "dev.moco.bench..", "dev.moco.downstream..");

    /**
     * The trainer, loss, data and checkpoints work on any {@code Encoder}: only the composition
     * root ({@code dev.moco.core.run}: the configured encoder, loading a pretrained one) knows
     * the encoder catalogue, and nothing in moco-core names a fast-path or layer class.
     */
    @ArchTest
    static final ArchRule coreNamesTheEncoderCatalogueOnlyInItsCompositionRoot = noClasses()
            .that().resideInAPackage("dev.moco.core..").and().resideOutsideOfPackage("dev.moco.core.run")
            .should().dependOnClassesThat().resideInAPackage("dev.moco.encoders..");

    @ArchTest
    static final ArchRule coreNamesNoEncoderInternals = noClasses()
            .that().resideInAPackage("dev.moco.core..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.moco.encoders.fast..", "dev.moco.encoders.nn..");

    @ArchTest
    static final ArchRule encodersDependOnlyOnTheApi = noClasses()
            .that().resideInAPackage("dev.moco.encoders..")
            .should().dependOnClassesThat()
            .resideInAnyPackage("dev.moco.core..", "dev.moco.dict..", "dev.moco.bench..", "dev.moco.downstream..");

    /**
     * What is not API lives in a package named internal (the run's assembly, loop, batch source
     * and snapshots): only moco-core itself uses it; the command line, the experiments and the
     * plug-ins go through the library's facade like any user.
     */
    @ArchTest
    static final ArchRule internalPackagesServeOnlyMocoCore = noClasses()
            .that().resideOutsideOfPackage("dev.moco.core..")
            .should().dependOnClassesThat().resideInAPackage("dev.moco..internal..");

    /** The command line, experiments and benchmarks choose mechanisms by name, as users do. */
    @ArchTest
    static final ArchRule benchNamesNoMechanismClass = noClasses()
            .that().resideInAPackage("dev.moco.bench..")
            .should().dependOnClassesThat().resideInAPackage("dev.moco.dict..");

    /** The one tensor file format: checkpoints and encoder weights use it; it knows neither. */
    @ArchTest
    static final ArchRule tensorFilesDependOnNothingOfOurs = noClasses()
            .that().resideInAPackage("dev.moco.tensorfile..")
            .should().dependOnClassesThat()
            .resideInAnyPackage("dev.moco.api..", "dev.moco.core..", "dev.moco.dict..", "dev.moco.encoders..",
                    "dev.moco.bench..", "dev.moco.downstream..");

    @ArchTest
    static final ArchRule modulesAreFreeOfCycles = slices()
            .matching("dev.moco.(*)..")
            .should().beFreeOfCycles();
}
