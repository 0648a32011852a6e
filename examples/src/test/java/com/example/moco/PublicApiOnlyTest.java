package com.example.moco;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameStartingWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.moco.spark.SparkPretraining;

/**
 * The example is what a user's project looks like: it uses moco's API (dev.moco.api), the
 * facade (dev.moco.core.run: Pretraining, its listener types, TrainingPosition), the encoder
 * adapters (dev.moco.encoders) and the Spark driver (dev.moco.spark's SparkPretraining, Spark's DataFrames), and
 * nothing internal, so a change to internals cannot break it and a change to the public API
 * breaks it visibly.
 */
@AnalyzeClasses(packages = "com.example.moco", importOptions = ImportOption.DoNotIncludeTests.class)
class PublicApiOnlyTest {

    @ArchTest
    static final ArchRule usesOnlyTheApiTheFacadeAndLibraries = classes()
            .should().onlyDependOnClassesThat(resideInAnyPackage("java..", "javax.imageio..", "com.example.moco..",
                    "dev.moco.api..", "dev.moco.core.run", "dev.moco.encoders", "org.nd4j..", "org.deeplearning4j..",
                    "org.apache.spark", "org.apache.spark.api.java", "org.apache.spark.sql")
                    .or(belongToAnyOf(SparkPretraining.class)));

    /** Its dictionary is a plug-in: it compiles against moco-api alone, as the three mechanisms do. */
    @ArchTest
    static final ArchRule theDictionaryUsesOnlyMocoApi = classes()
            .that().haveSimpleNameStartingWith("PreviousBatch")
            .should().onlyDependOnClassesThat(resideInAnyPackage("java..", "dev.moco.api..", "org.nd4j..")
                    .or(belongTo(simpleNameStartingWith("PreviousBatch"))));
}
