package dev.moco.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The module rules of the design card, checked on the compiled classes of every module
 * (moco-bench has them all on its class path).
 */
@AnalyzeClasses(packages = "dev.moco", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleRulesTest {

    /** Outside projects program against moco-api: it depends on nothing of ours and no DL4J class. */
    @ArchTest
    static final ArchRule apiDependsOnlyOnTheJdkAndNd4jArrays = classes()
            .that().resideInAPackage("dev.moco.api..")
            .should().onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "dev.moco.api..", "org.nd4j.linalg.api..");

    @ArchTest
    static final ArchRule apiHasOnlyInterfacesAndEnums = classes()
            .that().resideInAPackage("dev.moco.api..")
            .should().beInterfaces().orShould().beEnums();

    /** Each mechanism is a plug-in: none knows another. */
    @ArchTest
    static final ArchRule dictionaryModulesAreIndependent = slices()
            .matching("dev.moco.dict.(*)..")
            .should().notDependOnEachOther();

    @ArchTest
    static final ArchRule dictionaryModulesUseOnlyApiCoreAndLibraries = noClasses()
            .that().resideInAPackage("dev.moco.dict..")
            .should().dependOnClassesThat()
            .resideInAnyPackage("dev.moco.encoders..", "dev.moco.bench..", "dev.moco.downstream..");

    /** moco-core finds mechanisms through the SPI only and never names an encoder implementation. */
    @ArchTest
    static final ArchRule coreKnowsNoMechanismEncoderOrFrontEnd = noClasses()
            .that().resideInAPackage("dev.moco.core..")
            .should().dependOnClassesThat()
            .resideInAnyPackage("dev.moco.dict..", "dev.moco.encoders..", "dev.moco.bench..", "dev.moco.downstream..");

    @ArchTest
    static final ArchRule encodersDependOnlyOnTheApi = noClasses()
            .that().resideInAPackage("dev.moco.encoders..")
            .should().dependOnClassesThat()
            .resideInAnyPackage("dev.moco.core..", "dev.moco.dict..", "dev.moco.bench..", "dev.moco.downstream..");

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
